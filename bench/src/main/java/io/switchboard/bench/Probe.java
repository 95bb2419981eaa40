package io.switchboard.bench;

import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import io.switchboard.tracing.TracingConfig;
import io.switchboard.tracing.TracingService;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

public class Probe {
    public static void main(String[] a) {
        try (TestHazelcast cluster = new TestHazelcast()) {
            var member = cluster.member();
            try (ServiceHarness h = new ServiceHarness()) {
                h.serve(v -> List.of(new TracingService(v, ServiceHarness.LIMITS, TracingConfig.DEFAULT.withSlots((1 << 22) / 8, 8).withQuotas(TracingConfig.Quotas.NONE), member, Tokens.verifier(), h.registry())));
                List<WsTestClient> cs = new ArrayList<>();
                for (int c = 0; c < 4; c++) cs.add(WsTestClient.open(h.vertx(), h.port(), TracingService.PATH, Tokens.client("p")));
                for (int round = 0; round < 4; round++) {
                    int batches = 100, per = 200;
                    List<List<String>> frames = new ArrayList<>();
                    for (WsTestClient c : cs) {
                        List<String> fs = new ArrayList<>();
                        for (int b = 0; b < batches; b++) {
                            StringBuilder sb = new StringBuilder("{\"type\":\"events\",\"seq\":" + b + ",\"items\":[");
                            for (int i = 0; i < per; i++) {
                                if (i > 0) sb.append(',');
                                sb.append("{\"kind\":\"log\",\"id\":\"").append(UUID.randomUUID().toString().replace("-", "")).append("\",\"timestamp\":")
                                  .append(System.currentTimeMillis() * 1000).append(",\"service\":\"bench\",\"node\":\"bench-0\",\"environment\":\"prod\",\"level\":\"info\",\"category\":\"bench.Orders\",\"message\":\"order placed\",\"attributes\":{\"order\":\"42\"}}");
                            }
                            fs.add(sb.append("]}").toString());
                        }
                        frames.add(fs);
                    }
                    long t0 = System.nanoTime();
                    for (int c = 0; c < cs.size(); c++) cs.get(c).sendAllNoWait(frames.get(c));
                    for (WsTestClient c : cs) for (int b = 0; b < batches; b++) c.next("ack");
                    double s = (System.nanoTime() - t0) / 1e9;
                    long n = (long) cs.size() * batches * per;
                    System.out.printf("server only: %d events in %.2f s = %.0f/s%n", n, s, n / s);
                }
                cs.forEach(WsTestClient::close);
            }
        }
        System.exit(0);
    }
}
