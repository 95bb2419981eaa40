package io.switchboard.client;

import io.switchboard.client.internal.DiscoveryClient;
import io.switchboard.client.internal.ManagedConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
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
 * try (Switchboard sb = Switchboard.connect(URI.create("ws://127.0.0.1:7700"), token, SwitchboardOptions.defaults())) {
 *     sb.discovery().register(myNode);
 *     Node payments = sb.discovery().resolveBlocking("payments", "2.1", "prod,fallback:staging", Duration.ofSeconds(2));
 * }
 * }</pre>
 *
 * <p>All network work happens on one background thread of the client's own; application threads never wait on the
 * network unless they call a {@code ...Blocking} method, and background trouble never throws into them.
 */
public final class Switchboard implements AutoCloseable {
    private final ScheduledExecutorService executor;
    private final ManagedConnection discoveryConnection;
    private final DiscoveryClient discovery;

    private Switchboard(List<URI> bases, Supplier<String> token, SwitchboardOptions options) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-client");
            t.setDaemon(true);
            return t;
        });
        HttpClient http = HttpClient.newBuilder().executor(executor).build();
        discovery = new DiscoveryClient(options, executor, Clock.systemUTC());
        discoveryConnection = new ManagedConnection(http, bases.stream().map(b -> b.resolve("/v1/discovery")).toList(), token,
                options.reconnectMin().toMillis(), options.reconnectMax().toMillis(), executor, discovery);
        discovery.attach(discoveryConnection);
        discoveryConnection.start();
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
        Objects.requireNonNull(bases, "bases");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        if (bases.isEmpty()) {
            throw new IllegalArgumentException("at least one base URL is needed");
        }
        for (URI base : bases) {
            if (!"ws".equals(base.getScheme()) && !"wss".equals(base.getScheme())) {
                throw new IllegalArgumentException("base URLs must start with ws:// or wss://, got " + base);
            }
        }
        return new Switchboard(bases, token, options);
    }

    public Discovery discovery() {
        return discovery;
    }

    /** Internal state for tests and diagnostics. */
    public DiscoveryClient discoveryInternals() {
        return discovery;
    }

    /** Deregisters this client's nodes (a graceful close removes them at once) and stops the background thread. */
    @Override
    public void close() {
        discoveryConnection.close();
        executor.schedule(executor::shutdown, 2, TimeUnit.SECONDS);
    }
}
