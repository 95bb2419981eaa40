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
 * <p>One replica does this at a time: the evaluation runs in a transaction holding a PostgreSQL advisory lock, and a
 * replica that does not get it skips the round. A policy is written only when it changed, so clients hear only
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

    /** One round; runs on a worker thread (rounds never overlap). */
    private Void evaluate(Connection c) throws Exception {
        Map<ServiceKey, RoutingPolicy> policies;
        c.setAutoCommit(false);
        try {
            if (!tryLock(c)) {
                c.commit();
                synchronized (published) {
                    published.clear();
                }
                return null;
            }
            Instant now = clock.instant();
            Map<ServiceKey, List<Evidence>> counts = ReputationStore.evidence(c, now.minus(config.lookback()), null, null,
                    config.maxCallsPerCaller());
            Map<ServiceKey, List<Ejection>> ejected = ReputationStore.ejections(c, null, null);
            Map<String, Map<String, Map<String, Strategy>>> strategies = StrategyStore.allCurrent(c);
            Set<ServiceKey> keys = new LinkedHashSet<>(counts.keySet());
            keys.addAll(ejected.keySet());
            strategies.forEach((tenant, services) -> services.keySet().forEach(s -> keys.add(new ServiceKey(tenant, s))));

            policies = new LinkedHashMap<>();
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
                Map<String, Strategy> byEnvironment = strategies.getOrDefault(key.tenant(), Map.of())
                        .getOrDefault(key.service(), Map.of());
                policies.put(key, new RoutingPolicy(key.service(), byEnvironment, nodes, 0));
            }
            if (Duration.between(lastCleanup, now).compareTo(CLEANUP_EVERY) > 0) {
                ReputationStore.forget(c, now.minus(config.outcomeRetention()), now.minus(config.forgetAfter()));
                lastCleanup = now;
            }
            c.commit();
        } catch (Exception e) {
            c.rollback();
            throw e;
        }
        publish(policies);
        return null;
    }

    private static boolean tryLock(Connection c) throws java.sql.SQLException {
        try (PreparedStatement s = c.prepareStatement("select pg_try_advisory_xact_lock(?)")) {
            s.setLong(1, LOCK);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Writes the policies that changed since the last round and withdraws those that are gone. */
    private void publish(Map<ServiceKey, RoutingPolicy> policies) {
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
                if (!policies.containsKey(key)) {
                    hazelcast.getMap(RoutingPolicy.mapName(key.tenant())).delete(key.service());
                    it.remove();
                }
            }
        }
    }
}
