package io.switchboard.client;

import io.switchboard.client.internal.DiscoveryClient;
import io.switchboard.client.internal.ManagedConnection;
import io.switchboard.client.internal.TracingClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Switchboard client library's entry point.
 *
 * <pre>{@code
 * SwitchboardOptions options = SwitchboardOptions.defaults().withIdentity("orders", "prod", "orders-1");
 * try (Switchboard sb = Switchboard.connect(URI.create("ws://127.0.0.1:7700"), token, options)) {
 *     sb.discovery().register(myNode);
 *     Node payments = sb.discovery().resolveBlocking("payments", "2.1", "prod,fallback:staging", Duration.ofSeconds(2));
 *     sb.tracing().log(Level.INFO, "orders", "order placed");
 * }
 * }</pre>
 *
 * <p>All network work happens on one background thread of the client's own; application threads never wait on the
 * network unless they call a {@code ...Blocking} method or {@code flush}, and background trouble never throws into
 * them. The two connections (discovery and tracing) reconnect independently with jittered backoff.
 */
public final class Switchboard implements AutoCloseable {
    private static final Duration CLOSE_FLUSH_DEADLINE = Duration.ofSeconds(5);

    private final SwitchboardOptions options;
    private final ScheduledExecutorService executor;
    private final ManagedConnection discoveryConnection;
    private final ManagedConnection tracingConnection;
    private final DiscoveryClient discovery;
    private final TracingClient tracing;

    private Switchboard(List<URI> discoveryEndpoints, List<URI> tracingEndpoints, Supplier<String> token,
                        SwitchboardOptions options) {
        this.options = options;
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-client");
            t.setDaemon(true);
            return t;
        });
        HttpClient http = HttpClient.newBuilder().executor(executor).build();
        tracing = new TracingClient(options, executor);
        discovery = new DiscoveryClient(options, executor, Clock.systemUTC(),
                options.service() == null ? null : tracing::outcome);
        discoveryConnection = new ManagedConnection(http, discoveryEndpoints, token,
                options.reconnectMin().toMillis(), options.reconnectMax().toMillis(), executor, discovery);
        tracingConnection = new ManagedConnection(http, tracingEndpoints, token,
                options.reconnectMin().toMillis(), options.reconnectMax().toMillis(), executor, tracing);
        discovery.attach(discoveryConnection);
        tracing.attach(tracingConnection);
        discoveryConnection.start();
        if (options.service() != null) {
            tracingConnection.start();
        }
    }

    private static List<URI> endpoints(List<URI> bases, String path) {
        return bases.stream().map(b -> b.resolve(path)).toList();
    }

    /**
     * Starts a client; it connects in the background and keeps reconnecting, so this returns at once.
     *
     * @param base  the server's WebSocket base URL, such as ws://127.0.0.1:7700 or wss://switchboard.example.com
     * @param token a client token of the tenant
     */
    public static Switchboard connect(URI base, String token, SwitchboardOptions options) {
        Objects.requireNonNull(token, "token");
        return connect(base, () -> token, options);
    }

    /** As {@link #connect(URI, String, SwitchboardOptions)}, asking {@code token} afresh at every reconnect. */
    public static Switchboard connect(URI base, Supplier<String> token, SwitchboardOptions options) {
        return connect(List.of(base), token, options);
    }

    /**
     * Connects to one of several replicas (without a load balancer in front); each reconnect tries the next, so
     * the client fails over by itself when a replica dies.
     */
    public static Switchboard connect(List<URI> bases, Supplier<String> token, SwitchboardOptions options) {
        checkWebSocketUrls("bases", bases);
        return connect(endpoints(bases, "/v1/discovery"), endpoints(bases, "/v1/tracing"), token, options);
    }

    /**
     * Connects to services that no gateway puts behind one URL: each list holds the full endpoint URLs of one
     * service's replicas (such as ws://10.0.0.5:7701/v1/discovery), tried in turn at every reconnect.
     */
    public static Switchboard connect(List<URI> discoveryEndpoints, List<URI> tracingEndpoints, Supplier<String> token,
                                      SwitchboardOptions options) {
        checkWebSocketUrls("discoveryEndpoints", discoveryEndpoints);
        checkWebSocketUrls("tracingEndpoints", tracingEndpoints);
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        return new Switchboard(List.copyOf(discoveryEndpoints), List.copyOf(tracingEndpoints), token, options);
    }

    private static void checkWebSocketUrls(String name, List<URI> urls) {
        Objects.requireNonNull(urls, name);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException(name + ": at least one URL is needed");
        }
        for (URI url : urls) {
            if (!"ws".equals(url.getScheme()) && !"wss".equals(url.getScheme())) {
                throw new IllegalArgumentException(name + ": URLs must start with ws:// or wss://, got " + url);
            }
        }
    }

    public Discovery discovery() {
        return discovery;
    }

    /** Logs, spans and outcomes; needs {@link SwitchboardOptions#withIdentity} so that items name their service. */
    public Tracing tracing() {
        if (options.service() == null) {
            throw new IllegalStateException("tracing needs to know this process's service: create the client with "
                    + "SwitchboardOptions.defaults().withIdentity(service, environment, nodeId)");
        }
        return tracing;
    }

    /** Internal state for tests and diagnostics. */
    public DiscoveryClient discoveryInternals() {
        return discovery;
    }

    /**
     * Sends what tracing still holds (waiting at most 5 s for the server's acknowledgement), then closes both
     * connections; a graceful close removes this client's nodes from the registry at once.
     */
    @Override
    public void close() {
        if (options.service() != null) {
            try {
                tracing.flush(CLOSE_FLUSH_DEADLINE).get(CLOSE_FLUSH_DEADLINE.toMillis() + 500, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                // Whatever is still buffered is lost; the deadline keeps close from hanging on a dead server.
            }
        }
        discoveryConnection.close();
        tracingConnection.close();
        executor.schedule(executor::shutdown, 2, TimeUnit.SECONDS);
    }
}
