package org.elasticsearch.node;

import java.util.List;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

/**
 * A production {@link Node} whose plugins are classes on the classpath (the HTTP transport and Switchboard's
 * root handler), since no plugin directories exist when Elasticsearch runs from Maven artifacts.
 *
 * <p>Lives in Elasticsearch's package because the constructor taking a {@link NodeConstruction} and
 * {@link NodeServiceProvider#newPluginService} are package-private.
 */
public final class ClasspathNode extends Node {

    public ClasspathNode(Environment env, List<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(env, null, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment environment, PluginsLoader loader) {
                return new ClasspathPluginsService(environment, plugins);
            }
        }, true));
    }
}
