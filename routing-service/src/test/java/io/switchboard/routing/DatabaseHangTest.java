package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.common.auth.Principal;
import io.switchboard.common.auth.TokenVerifier;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TcpProxy;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A database that hangs (connections open, no answers) ties up routing's own database threads only: every request
 * is answered 503 once the socket timeout passes, even more requests than there are shared worker threads, and
 * authentication that needs a worker (as JWKS does) still gets one.
 */
@ExtendWith(RealStores.class)
class DatabaseHangTest {

    /** The test verifier, verifying on a worker thread as the JWKS verifier does. */
    private static final TokenVerifier BLOCKING = new TokenVerifier() {
        @Override
        public Principal verify(String token) {
            return Tokens.verifier().verify(token);
        }

        @Override
        public boolean mayBlock() {
            return true;
        }
    };

    @Test
    void aHungDatabaseGets503sWithinTheSocketTimeoutAndNeverStarvesAuthentication(TestPostgres pg, TestHazelcast cluster)
            throws Exception {
        String direct = pg.newDatabase();
        URI target = URI.create(direct.substring("jdbc:".length()));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var member = cluster.member();
        try (ServiceHarness harness = new ServiceHarness();
             TcpProxy proxy = new TcpProxy(harness.vertx(), target.getPort(), port)) {
            String viaProxy = "jdbc:postgresql://127.0.0.1:" + port + target.getPath();
            RoutingDatabase db = new RoutingDatabase(harness.vertx(), new DatabaseConfig(viaProxy, pg.user(), pg.password(), 2,
                    Duration.ofSeconds(2), Duration.ofSeconds(3)), harness.registry());
            try (db) {
                harness.serve(vertx -> List.of(new RoutingService(vertx, db, member, BLOCKING,
                        RoutingFixture.CONFIG.withAggregator(false), harness.registry())));
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                        harness.get("/api/v1/routing", Tokens.operator("acme")).statusCode() == 200);

                proxy.stall();
                // More requests than Vert.x has shared worker threads (20): each would hold one for good before.
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
                List<Future<Integer>> answers = new ArrayList<>();
                long started = System.nanoTime();
                for (int i = 0; i < 40; i++) {
                    answers.add(clients.submit(() -> harness.get("/api/v1/routing", Tokens.operator("acme")).statusCode()));
                }
                for (Future<Integer> a : answers) {
                    assertThat(a.get(60, TimeUnit.SECONDS)).isEqualTo(503);
                }
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("all answered").isLessThan(Duration.ofSeconds(45));
                clients.shutdown();

                proxy.unstall();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                        harness.get("/api/v1/routing", Tokens.operator("acme")).statusCode() == 200);
            }
        }
    }
}
