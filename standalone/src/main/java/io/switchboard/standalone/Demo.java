package io.switchboard.standalone;

import java.time.Duration;

/**
 * {@code ./switchboard demo}: standalone plus a small simulated system on the Java client ({@link DemoSystem}), so
 * that the dashboard has something to show within a minute. Takes the standalone options (--port, --data-dir);
 * {@code -Dswitchboard.demo.bad-after=45s} sets when the bad payments node starts failing,
 * {@code -Dswitchboard.demo.rollout-interval=30s} how long each step of its progressive rollouts lasts.
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        Standalone.Started started = Standalone.launch(args, System.out);
        if (started.clientToken() == null) {
            System.err.println("switchboard: the demo needs the standalone's dev tokens (auth.mode=hs256)");
            System.exit(2);
        }
        Duration badAfter = io.switchboard.common.config.ConfigSource.parseDuration(
                System.getProperty("switchboard.demo.bad-after", "45s"));
        Duration interval = io.switchboard.common.config.ConfigSource.parseDuration(
                System.getProperty("switchboard.demo.rollout-interval", "30s"));
        DemoSystem demo = new DemoSystem(started.url(), started.clientToken(), badAfter, Duration.ofMinutes(2), interval);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "demo-shutdown"));
        demo.start(started.url(), started.operatorToken());
        System.out.println();
        System.out.println("Demo system running: gateway -> orders -> payments, inventory (12 nodes, about 12 requests/s).");
        System.out.println("payments-3 goes bad " + badAfter.toSeconds() + " s from now for two minutes: watch routing eject it.");
        System.out.println("Two progressive rollouts run, " + interval.toSeconds() + " s a step: inventory 1.1.0 is healthy and "
                + "gets promoted; payments 2.2.0 fails 40 % of its calls and gets rolled back (Routing, then Canary).");
        System.out.println("Open the dashboard: " + started.url() + "/?token=" + started.operatorToken());
        System.out.println("Stop with Ctrl-C.");
        System.out.flush();
    }
}
