package io.switchboard.embedded;

import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.elasticsearch.Build;
import org.elasticsearch.cluster.ClusterName;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * Answers {@code GET /} and {@code HEAD /} as Elasticsearch's {@code rest-root} module would. That module is not
 * published to Maven Central, and without it the Java client's {@code info()} and {@code ping()} fail.
 */
public final class RootInfoPlugin extends Plugin implements ActionPlugin {

    @Override
    public Collection<RestHandler> getRestHandlers(RestHandlersServices services, Supplier<DiscoveryNodes> nodes,
                                                   Predicate<NodeFeature> clusterSupportsFeature) {
        String clusterName = ClusterName.CLUSTER_NAME_SETTING.get(services.settings()).value();
        return List.of(new RootHandler(clusterName));
    }

    private static final class RootHandler extends BaseRestHandler {
        private final String clusterName;

        RootHandler(String clusterName) {
            this.clusterName = clusterName;
        }

        @Override
        public String getName() {
            return "switchboard_root_info";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> {
                if (request.method() == RestRequest.Method.HEAD) {
                    channel.sendResponse(new RestResponse(RestStatus.OK, "application/json", ""));
                    return;
                }
                Build build = Build.current();
                XContentBuilder body = channel.newBuilder();
                body.startObject()
                        .field("name", client.getLocalNodeId())
                        .field("cluster_name", clusterName)
                        .field("cluster_uuid", "_na_")
                        .startObject("version")
                        .field("number", build.version())
                        .field("build_flavor", build.flavor())
                        .field("build_type", build.type().displayName())
                        .field("build_hash", build.hash())
                        .field("build_date", build.date())
                        .field("build_snapshot", build.isSnapshot())
                        .field("lucene_version", org.apache.lucene.util.Version.LATEST.toString())
                        .field("minimum_wire_compatibility_version", build.minWireCompatVersion())
                        .field("minimum_index_compatibility_version", build.minIndexCompatVersion())
                        .endObject()
                        .field("tagline", "You Know, for Search")
                        .endObject();
                channel.sendResponse(new RestResponse(RestStatus.OK, body));
            };
        }
    }
}
