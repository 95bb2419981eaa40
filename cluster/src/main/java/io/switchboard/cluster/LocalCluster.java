package io.switchboard.cluster;

import io.switchboard.cluster.SystemDefinition.Environment;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The system of deploy/system.yaml as local processes, the way it is deployed: every replica of every service in
 * a JVM of its own, from its own module's classpath, configured through environment variables only; the members
 * (discovery, tracing) form one Hazelcast cluster on 127.0.0.1, query and routing join it as clients; a gateway
 * serves the one public port. The number of replicas and the fixed settings come from the environment
 * (deploy/environments, "test" by default). PostgreSQL and Elasticsearch are given: the caller runs them.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Duration START_DEADLINE = Duration.ofMinutes(3);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    /** Waiting for processes is blocking work, one virtual thread each. */
    private static final java.util.concurrent.Executor WAITERS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    /** Where the stores the services need are. */
    public record Stores(String jdbcUrl, String dbUser, String dbPassword, String elasticsearchUrl) {
    }

    /**
     * @param environment  which of deploy/environments to run (replicas and fixed settings)
     * @param clusterName  the Hazelcast cluster name: make it unique per machine, so that two clusters never meet
     * @param hs256Secret  the token secret every service shares (32+ characters)
     * @param gatewayPort  the public port (0: any free port)
     * @param heap         each service JVM's -Xmx, such as 384m
     * @param workDir      where the processes' logs go (workDir/logs/NAME.log)
     * @param settings     more configuration keys and values, given to every service that reads the key
     */
    public record Options(String environment, String clusterName, String hs256Secret, int gatewayPort, String heap,
                          Path workDir, Map<String, String> settings) {
        public Options {
            Objects.requireNonNull(environment, "environment");
            Objects.requireNonNull(clusterName, "clusterName");
            Objects.requireNonNull(hs256Secret, "hs256Secret");
            Objects.requireNonNull(heap, "heap");
            Objects.requireNonNull(workDir, "workDir");
            settings = Map.copyOf(settings);
        }
    }

    private final SystemDefinition system;
    private final Options options;
    private final PrintStream out;
    /** Each service's live replicas; the gateway's routes read the same lists, so a rollout's changes reach it. */
    private final Map<String, List<ServiceProcess>> replicas = new LinkedHashMap<>();
    private final Vertx vertx = Vertx.vertx();
    private Gateway gateway;
    private int gatewayPort;
    private Stores stores;
    private final Map<String, Integer> lastIndex = new java.util.concurrent.ConcurrentHashMap<>();
    /** A rollout's successor between its start and joining its service's replicas: close() stops it too. */
    private final List<ServiceProcess> starting = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private LocalCluster(SystemDefinition system, Options options, PrintStream out) {
        this.system = system;
        this.options = options;
        this.out = out;
    }

    /** Starts every replica (members first, then clients), waits until each is ready, then the gateway. */
    public static LocalCluster start(SystemDefinition system, Stores stores, Options options, PrintStream out) {
        LocalCluster cluster = new LocalCluster(system, options, out);
        try {
            cluster.launch(stores);
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void launch(Stores stores) {
        this.stores = stores;
        Environment env = system.environment(options.environment());
        checkSettingsAreKnown(env);
        List<ServiceProcess> members = new ArrayList<>();
        List<ServiceProcess> clients = new ArrayList<>();
        Map<ServiceDefinition, int[]> ports = new LinkedHashMap<>();
        List<String> memberAddresses = new ArrayList<>();
        for (ServiceDefinition s : system.services().values()) {
            int n = s.replicas(env.name());
            // Per replica: its HTTP port, its management port, its Hazelcast member port (0 for a client).
            int[] p = new int[n * 3];
            for (int i = 0; i < n; i++) {
                p[3 * i] = freePort();
                p[3 * i + 1] = freePort();
                p[3 * i + 2] = s.member() ? freePort() : 0;
                if (s.member()) {
                    memberAddresses.add("127.0.0.1:" + p[3 * i + 2]);
                }
            }
            ports.put(s, p);
        }
        for (var entry : ports.entrySet()) {
            ServiceDefinition s = entry.getKey();
            int[] p = entry.getValue();
            List<ServiceProcess> list = new java.util.concurrent.CopyOnWriteArrayList<>();
            lastIndex.put(s.name(), p.length / 3);
            for (int i = 0; i < p.length / 3; i++) {
                String name = s.name() + "-" + (i + 1);
                ServiceProcess process = new ServiceProcess(name, s, system.root(), p[3 * i], p[3 * i + 1], p[3 * i + 2],
                        environment(s, env, stores, p[3 * i], p[3 * i + 1], p[3 * i + 2], memberAddresses), options.heap(),
                        options.workDir().resolve("logs").resolve(name + ".log"));
                list.add(process);
                (s.member() ? members : clients).add(process);
            }
            replicas.put(s.name(), list);
        }
        startAll(members);
        startAll(clients);
        List<Gateway.Route> routes = new ArrayList<>();
        for (ServiceDefinition s : system.services().values()) {
            s.paths().forEach(path -> routes.add(new Gateway.Route(path, replicas.get(s.name()))));
        }
        gateway = new Gateway(vertx, routes);
        try {
            gatewayPort = gateway.start(options.gatewayPort()).await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the gateway could not listen on port " + options.gatewayPort() + ": "
                    + e.getMessage() + "; is something else using it?", e);
        }
    }

    /** Starts the processes together and waits for each to be ready, printing a line per process. */
    private void startAll(List<ServiceProcess> processes) {
        long started = System.nanoTime();
        processes.forEach(ServiceProcess::start);
        List<CompletableFuture<Void>> ready = processes.stream().map(p -> CompletableFuture.runAsync(() -> {
            p.awaitReady(START_DEADLINE);
            out.printf("  %-13s up in %4.1f s   http://127.0.0.1:%d%s   pid %d%n", p.name(),
                    (System.nanoTime() - started) / 1e9, p.httpPort(),
                    p.hazelcastPort() > 0 ? "   hazelcast 127.0.0.1:" + p.hazelcastPort() : "   hazelcast client", p.pid());
        }, WAITERS)).toList();
        try {
            CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private Map<String, String> environment(ServiceDefinition s, Environment env, Stores stores, int httpPort,
                                            int managementPort, int hazelcastPort, List<String> members) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("http.host", "127.0.0.1");
        keys.put("http.port", Integer.toString(httpPort));
        keys.put("http.management-port", Integer.toString(managementPort));
        keys.put("auth.mode", "hs256");
        keys.put("auth.hs256-secret", options.hs256Secret());
        keys.put("hazelcast.mode", s.hazelcast());
        keys.put("hazelcast.cluster-name", options.clusterName());
        keys.put("hazelcast.members", String.join(",", members));
        if (hazelcastPort > 0) {
            keys.put("hazelcast.port", Integer.toString(hazelcastPort));
        }
        keys.put("elasticsearch.urls", stores.elasticsearchUrl());
        keys.put("db.url", stores.jdbcUrl());
        keys.put("db.user", stores.dbUser());
        keys.put("db.password", stores.dbPassword());
        Map<String, String> vars = new LinkedHashMap<>();
        keys.forEach((k, v) -> vars.put(SystemDefinition.envName(k), v));
        vars.putAll(env.fixed());
        options.settings().forEach((k, v) -> vars.put(SystemDefinition.envName(k), v));
        // Only what system.yaml says the service reads, as its Deployment and docker-compose service get.
        Set<String> read = s.config().stream().map(SystemDefinition::envName).collect(Collectors.toSet());
        vars.keySet().retainAll(read);
        return vars;
    }

    /** A fixed setting or an extra one that no service reads is a mistake, not something to ignore. */
    private void checkSettingsAreKnown(Environment env) {
        Set<String> read = system.services().values().stream().flatMap(s -> s.config().stream())
                .map(SystemDefinition::envName).collect(Collectors.toSet());
        List<String> given = new ArrayList<>(env.fixed().keySet());
        options.settings().keySet().forEach(k -> given.add(SystemDefinition.envName(k)));
        for (String var : given) {
            if (!read.contains(var)) {
                throw new IllegalArgumentException(var + " is not a setting any service reads (deploy/system.yaml lists "
                        + "what each reads); check its spelling");
            }
        }
    }

    /** One replica replaced in a rollout: when its successor started, was ready, and when the old one was gone. */
    public record Replacement(String old, String successor, Duration toReady, Duration preStop, Duration toStopped,
                              String preStopAnswer) {
    }

    /**
     * Replaces every replica, one at a time, as a Kubernetes rolling update does with {@code maxSurge: 1} and
     * {@code maxUnavailable: 0}: service by service in system.yaml's order (discovery, then tracing: never two
     * members at once), a successor (new ports, the same configuration, the next name) starts and must be ready
     * before the gateway sends it requests; then the old replica gets no new requests, runs its pre-stop hook
     * (a member's waits until the cluster is safe to leave), and is stopped with SIGTERM within its grace period.
     * Prints a line per replica.
     */
    public synchronized List<Replacement> rollout(PrintStream progress) {
        Environment env = system.environment(options.environment());
        List<Replacement> done = new ArrayList<>();
        for (ServiceDefinition s : system.services().values()) {
            List<ServiceProcess> live = replicas.get(s.name());
            for (ServiceProcess old : List.copyOf(live)) {
                if (closed) {
                    throw new IllegalStateException("the cluster is stopping");
                }
                long start = System.nanoTime();
                ServiceProcess successor = successor(s, env);
                starting.add(successor);
                try {
                    successor.start();
                    successor.awaitReady(START_DEADLINE);
                } catch (RuntimeException e) {
                    starting.remove(successor);
                    successor.stop(Duration.ofSeconds(s.gracePeriodSeconds()));
                    throw new IllegalStateException("the rollout stopped at " + old.name() + ": its successor "
                            + successor.name() + " did not become ready (" + e.getMessage() + "); the old replicas "
                            + "keep serving", e);
                }
                long ready = System.nanoTime();
                live.add(successor);
                starting.remove(successor);
                gateway.add(successor);
                live.remove(old);
                gateway.remove(old);
                String answer = s.preStop() == null ? "" : old.preStop(Duration.ofSeconds(s.gracePeriodSeconds()));
                long preStopped = System.nanoTime();
                boolean inTime = old.stop(Duration.ofSeconds(s.gracePeriodSeconds()));
                long stopped = System.nanoTime();
                Replacement r = new Replacement(old.name(), successor.name(), Duration.ofNanos(ready - start),
                        Duration.ofNanos(preStopped - ready), Duration.ofNanos(stopped - preStopped), answer);
                done.add(r);
                progress.printf("  %-13s -> %-13s ready in %4.1f s; %sstopped in %4.1f s%s%n", old.name(),
                        successor.name(), r.toReady().toMillis() / 1e3,
                        s.preStop() == null ? "" : "pre-stop " + r.preStop().toMillis() / 1e3 + " s, ",
                        r.toStopped().toMillis() / 1e3, inTime ? "" : " (killed: it outlived its grace period)");
            }
        }
        return done;
    }

    /** A new replica of the service, as a new pod of its Deployment: the next name, free ports, the same settings. */
    private ServiceProcess successor(ServiceDefinition s, Environment env) {
        String name = s.name() + "-" + lastIndex.merge(s.name(), 1, Integer::sum);
        int http = freePort();
        int management = freePort();
        int hazelcast = s.member() ? freePort() : 0;
        List<String> members = new ArrayList<>();
        processes().stream().filter(p -> p.hazelcastPort() > 0).forEach(p -> members.add("127.0.0.1:" + p.hazelcastPort()));
        if (hazelcast > 0) {
            members.add("127.0.0.1:" + hazelcast);
        }
        return new ServiceProcess(name, s, system.root(), http, management, hazelcast,
                environment(s, env, stores, http, management, hazelcast, members), options.heap(),
                options.workDir().resolve("logs").resolve(name + ".log"));
    }

    /** The public URL (http://127.0.0.1:PORT), routed by path to the services as the Ingress does. */
    public String gatewayUrl() {
        return "http://127.0.0.1:" + gatewayPort;
    }

    public int gatewayPort() {
        return gatewayPort;
    }

    /** The replicas of a service, in order (discovery-1, discovery-2, ...). */
    public List<ServiceProcess> replicas(String service) {
        return Objects.requireNonNull(replicas.get(service), () -> "no service " + service);
    }

    public ServiceProcess process(String name) {
        return processes().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no process " + name));
    }

    /** The last lines of every process's log, for a report after a failure. */
    public String logTails(int lines) {
        StringBuilder b = new StringBuilder();
        for (ServiceProcess p : processes()) {
            b.append("---- ").append(p).append(": ").append(p.log()).append('\n').append(p.tail(lines)).append('\n');
        }
        return b.toString();
    }

    public List<ServiceProcess> processes() {
        return replicas.values().stream().flatMap(List::stream).toList();
    }

    /** Stops the gateway, then query and routing, then the members, each with SIGTERM and a grace period. */
    @Override
    public void close() {
        closed = true;
        if (gateway != null) {
            gateway.close();
        }
        List<ServiceProcess> all = new ArrayList<>(processes());
        all.addAll(starting);
        stopAll(all.stream().filter(p -> !p.service().member()).toList());
        stopAll(all.stream().filter(p -> p.service().member()).toList());
        vertx.close();
    }

    private static void stopAll(List<ServiceProcess> processes) {
        processes.stream().map(p -> CompletableFuture.runAsync(() -> p.stop(STOP_GRACE), WAITERS)).toList()
                .forEach(CompletableFuture::join);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port: " + e.getMessage(), e);
        }
    }
}
