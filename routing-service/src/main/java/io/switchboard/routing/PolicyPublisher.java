package io.switchboard.routing;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.routing.NodePolicy;
import io.switchboard.common.routing.RoutingPolicy;
import io.switchboard.common.routing.Strategy;
import io.switchboard.routing.Reputation.Evidence;
import io.switchboard.routing.Reputation.Ejection;
import io.switchboard.routing.ReputationStore.ServiceKey;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code routing.evaluate-interval}: judges every service's nodes from their counts, records new ejections,
 * and publishes each service's policy (strategies, weights, ejected nodes) into Hazelcast for discovery to push.
 *
 * <p>One replica does this at a time: a round holds a PostgreSQL advisory lock (of its connection's session), and a
 * replica that does not get it skips the round. Within a round each tenant is judged in its own transaction and
 * published at once, cheapest tenant first. A policy is written only when it changed, so clients hear only
 * about real changes.
 */
final class PolicyPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyPublisher.class);
    /** The advisory lock of the evaluation (any constant no other code uses). */
    private static final long LOCK = 0x5377_6974_6368L;
    private static final Duration CLEANUP_EVERY = Duration.ofMinutes(10);

    private final Vertx vertx;
    private final RoutingDatabase database;
    private final HazelcastInstance hazelcast;
    private final RoutingConfig config;
    private final Clock clock;
    private final Counter ejections;
    /** What this replica published last, with updatedAt 0; cleared when another replica takes over. */
    private final Map<ServiceKey, RoutingPolicy> published = new HashMap<>();
    /** What judging each tenant cost in the last round, in nanoseconds (the worker of the round only). */
    private final Map<String, Long> cost = new HashMap<>();
    private Instant lastCleanup = Instant.EPOCH;
    private long timer = -1;
    private boolean running;
    private volatile boolean stopped;

    PolicyPublisher(Vertx vertx, RoutingDatabase database, HazelcastInstance hazelcast, RoutingConfig config,
                    Clock clock, MeterRegistry meters) {
        this.vertx = vertx;
        this.database = database;
        this.hazelcast = hazelcast;
        this.config = config;
        this.clock = clock;
        this.ejections = Counter.builder("switchboard.routing.ejections").description("Nodes ejected").register(meters);
    }

    void start() {
        timer = vertx.setPeriodic(config.evaluateInterval().toMillis(), t -> tick());
    }

    void stop() {
        stopped = true;
        vertx.cancelTimer(timer);
    }

    private void tick() {
        if (running || stopped) {
            return;
        }
        running = true;
        database.blocking(this::evaluate).onComplete(ar -> {
            running = false;
            if (ar.failed()) {
                LOG.warn("routing policies could not be evaluated, trying again shortly: {}", ar.cause().getMessage());
            }
        });
    }

    /**
     * One round; runs on a worker thread (rounds never overlap). Each tenant is judged and published on its own, in
     * its own transaction, cheapest first by what its judgement cost last time: a tenant with much to judge goes last
     * and cannot hold back the others' ejections.
     */
    private Void evaluate(Connection c) throws Exception {
        c.setAutoCommit(true);
        if (!tryLock(c)) {
            synchronized (published) {
                published.clear();
            }
            return null;
        }
        try {
            Instant started = clock.instant();
            List<String> tenants = new java.util.ArrayList<>(ReputationStore.tenants(c, started.minus(config.lookback())));
            tenants.sort(java.util.Comparator.comparingLong((String t) -> cost.getOrDefault(t, 0L)).thenComparing(t -> t));
            java.util.Set<String> judged = new java.util.HashSet<>();
            for (String tenant : tenants) {
                if (stopped) {
                    return null;
                }
                long start = System.nanoTime();
                // Progressive rollouts move first, so that this round publishes their new step. A failure there
                // leaves the tenant's policies to be published all the same.
                try {
                    ProgressiveRollouts.advance(c, tenant, clock.instant(), config.maxCallsPerCaller());
                } catch (Exception e) {
                    LOG.warn("tenant {}: progressive rollouts could not be judged this round: {}", tenant, e.getMessage());
                }
                publish(tenant, evaluate(c, tenant));
                cost.put(tenant, System.nanoTime() - start);
                judged.add(tenant);
            }
            cost.keySet().retainAll(judged);
            withdrawOthers(judged);
            if (Duration.between(lastCleanup, started).compareTo(CLEANUP_EVERY) > 0) {
                ReputationStore.forget(c, started.minus(config.outcomeRetention()), started.minus(config.forgetAfter()));
                VersionStats.forget(c, started.minus(config.outcomeRetention()));
                lastCleanup = started;
            }
        } finally {
            unlock(c);
        }
        return null;
    }

    /** Judges one tenant's services and records its new ejections, in one transaction; returns its policies. */
    private Map<ServiceKey, RoutingPolicy> evaluate(Connection c, String tenant) throws Exception {
        c.setAutoCommit(false);
        try {
            Instant now = clock.instant();
            Map<ServiceKey, List<Evidence>> counts = ReputationStore.evidence(c, now.minus(config.lookback()), tenant, null,
                    config.maxCallsPerCaller());
            Map<ServiceKey, List<Ejection>> ejected = ReputationStore.ejections(c, tenant, null);
            Map<String, Map<String, Strategy>> strategies = StrategyStore.allCurrent(c, tenant);
            Set<ServiceKey> keys = new LinkedHashSet<>(counts.keySet());
            keys.addAll(ejected.keySet());
            strategies.keySet().forEach(s -> keys.add(new ServiceKey(tenant, s)));

            Map<ServiceKey, RoutingPolicy> policies = new LinkedHashMap<>();
            for (ServiceKey key : keys) {
                Reputation.Verdict verdict = Reputation.judgeService(counts.getOrDefault(key, List.of()),
                        ejected.getOrDefault(key, List.of()), now, config);
                if (!verdict.newEjections().isEmpty()) {
                    ReputationStore.saveEjections(c, key, verdict.newEjections());
                    ejections.increment(verdict.newEjections().size());
                    verdict.newEjections().forEach(e -> LOG.info("tenant {}: node {} of {} ejected {}until {} "
                            + "(failure rate {}%, ejection {} in a row)", key.tenant(), e.node(), key.service(),
                            e.caller().isEmpty() ? "" : "for caller " + e.caller() + " ", e.until(),
                            Math.round(e.failureRate() * 100), e.times()));
                }
                Map<String, NodePolicy> nodes = new LinkedHashMap<>();
                verdict.standings().forEach(s -> nodes.put(s.node(), new NodePolicy(s.weight(),
                        Math.round(s.errorRate() * 10_000) / 10_000.0, s.ejected(), s.ejectedFor())));
                // Clients get a progressive rollout as the plain canary split of its current step.
                Map<String, Strategy> forClients = new LinkedHashMap<>();
                strategies.getOrDefault(key.service(), Map.of()).forEach((env, st) -> forClients.put(env, st.forClients()));
                policies.put(key, new RoutingPolicy(key.service(), forClients, nodes, 0));
            }
            c.commit();
            return policies;
        } catch (Exception e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** The round's lock, held by this connection's session until {@link #unlock} (or until the connection dies). */
    private static boolean tryLock(Connection c) throws java.sql.SQLException {
        try (PreparedStatement s = c.prepareStatement("select pg_try_advisory_lock(?)")) {
            s.setLong(1, LOCK);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection c) throws java.sql.SQLException {
        try (PreparedStatement s = c.prepareStatement("select pg_advisory_unlock(?)")) {
            s.setLong(1, LOCK);
            s.execute();
        }
    }

    /** Writes a tenant's policies that changed since the last round and withdraws those of its services that are gone. */
    private void publish(String tenant, Map<ServiceKey, RoutingPolicy> policies) {
        long now = clock.millis();
        synchronized (published) {
            policies.forEach((key, policy) -> {
                if (!policy.equals(published.get(key))) {
                    RoutingPolicy stamped = new RoutingPolicy(policy.service(), policy.strategies(), policy.nodes(), now);
                    hazelcast.<String, String>getMap(RoutingPolicy.mapName(key.tenant())).set(key.service(), stamped.toJson());
                    published.put(key, policy);
                }
            });
            for (var it = published.keySet().iterator(); it.hasNext(); ) {
                ServiceKey key = it.next();
                if (key.tenant().equals(tenant) && !policies.containsKey(key)) {
                    hazelcast.getMap(RoutingPolicy.mapName(key.tenant())).delete(key.service());
                    it.remove();
                }
            }
        }
    }

    /** Withdraws the policies of tenants that have nothing left to judge. */
    private void withdrawOthers(Set<String> judged) {
        synchronized (published) {
            for (var it = published.keySet().iterator(); it.hasNext(); ) {
                ServiceKey key = it.next();
                if (!judged.contains(key.tenant())) {
                    hazelcast.getMap(RoutingPolicy.mapName(key.tenant())).delete(key.service());
                    it.remove();
                }
            }
        }
    }
}
