package io.switchboard.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.OriginRequestProvider;
import io.vertx.httpproxy.ProxyContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one public port of a local cluster, as the Kubernetes Ingress and docker-compose's nginx are in theirs: each
 * request (WebSockets included) goes to a replica of the service whose path prefix matches longest, in turn among
 * the replicas whose /ready answered 200 at the last check (once a second), or among all when none did.
 */
final class Gateway implements AutoCloseable {
    private static final long CHECK_MILLIS = 1_000;

    /** A path prefix and the replicas serving it. */
    record Route(String prefix, List<ServiceProcess> replicas) {
    }

    private final Vertx vertx;
    private final List<Route> routes;
    private final List<Backend> backends = new java.util.concurrent.CopyOnWriteArrayList<>();
    private HttpServer server;
    private long timer;

    private static final class Backend {
        final ServiceProcess process;
        volatile boolean ready;

        Backend(ServiceProcess process) {
            this.process = process;
        }
    }

    Gateway(Vertx vertx, List<Route> routes) {
        this.vertx = vertx;
        this.routes = routes.stream().sorted(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed()).toList();
        routes.forEach(r -> r.replicas().forEach(p -> {
            if (backends.stream().noneMatch(b -> b.process == p)) {
                backends.add(new Backend(p));
            }
        }));
    }

    /** A replica that has just become ready (a rollout's successor): it takes requests at once. */
    void add(ServiceProcess process) {
        Backend b = new Backend(process);
        b.ready = true;
        backends.add(b);
    }

    /** A replica that is leaving: no new request goes to it (its route's list no longer holds it either). */
    void remove(ServiceProcess process) {
        backends.removeIf(b -> b.process == process);
    }

    /** Listens on 127.0.0.1:port (0: any free port); completes with the bound port. */
    Future<Integer> start(int port) {
        // An upgraded connection (WebSocket) is relayed as raw bytes: frames are the services' business.
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
        HttpProxy proxy = HttpProxy.reverseProxy(client).origin(OriginRequestProvider.selector(this::select));
        timer = vertx.setPeriodic(1, CHECK_MILLIS, t -> backends.forEach(b ->
                vertx.executeBlocking(b.process::ready, false).onComplete(ar -> b.ready = ar.succeeded() && ar.result())));
        // HTTP/1.1 only, as the services speak it: an h2c upgrade would reach the proxy as HTTP/2 streams.
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
                .setHttp2ClearTextEnabled(false));
        return server.requestHandler(proxy).listen().map(HttpServer::actualPort);
    }

    private final AtomicInteger turn = new AtomicInteger();

    private Future<SocketAddress> select(ProxyContext context) {
        String uri = context.request().getURI();
        String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
        for (Route route : routes) {
            if (matches(route.prefix(), path)) {
                List<ServiceProcess> live = backends.stream().filter(b -> b.ready && route.replicas().contains(b.process))
                        .map(b -> b.process).toList();
                List<ServiceProcess> pool = live.isEmpty() ? List.copyOf(route.replicas()) : live;
                ServiceProcess chosen = pool.get(Math.floorMod(turn.getAndIncrement(), pool.size()));
                return Future.succeededFuture(SocketAddress.inetSocketAddress(chosen.httpPort(), "127.0.0.1"));
            }
        }
        return Future.failedFuture("no service serves " + path);
    }

    /** As an ingress controller's Prefix match: whole path segments, and "/" matches everything. */
    static boolean matches(String prefix, String path) {
        return prefix.equals("/") || path.equals(prefix) || path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
    }

    @Override
    public void close() {
        vertx.cancelTimer(timer);
        if (server != null) {
            server.close();
        }
    }
}
