package io.switchboard.query;

import io.switchboard.common.config.ConfigSource;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the history store is.
 *
 * @param urls     one or more HTTP endpoints of the cluster
 * @param username basic-auth user, or null
 * @param password basic-auth password, or null
 */
public record ElasticsearchConfig(List<URI> urls, String username, String password) {
    public static ElasticsearchConfig from(ConfigSource c) {
        List<URI> urls = new ArrayList<>();
        for (String url : c.list("elasticsearch.urls")) {
            try {
                URI uri = new URI(url);
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw c.bad("elasticsearch.urls", url, "a comma-separated list of http(s)://host:port URLs");
                }
                urls.add(uri);
            } catch (java.net.URISyntaxException e) {
                throw c.bad("elasticsearch.urls", url, "a comma-separated list of http(s)://host:port URLs");
            }
        }
        if (urls.isEmpty()) {
            throw c.bad("elasticsearch.urls", "", "at least one http(s)://host:port URL");
        }
        return new ElasticsearchConfig(List.copyOf(urls), c.optional("elasticsearch.username"),
                c.optional("elasticsearch.password"));
    }

    @Override
    public String toString() {
        return "ElasticsearchConfig[urls=" + urls + ", username=" + username + "]";
    }
}
