package io.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.client.internal.CircuitBreaker;
import io.switchboard.client.internal.EnvironmentSpec;
import io.switchboard.client.internal.VersionRange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ResolutionRulesTest {

    @Test
    void theMajorMustBeEqualAndTheMinorAtLeastTheRequestedOne() {
        VersionRange r = VersionRange.parse("1.4");
        assertThat(r.matches("1.4.0")).isTrue();
        assertThat(r.matches("1.9.2")).isTrue();
        assertThat(r.matches("1.4.7-rc.1")).isTrue();
        assertThat(r.matches("1.3.9")).isFalse();
        assertThat(r.matches("2.0.0")).isFalse();
        assertThat(r.matches("0.4.0")).isFalse();
        assertThat(VersionRange.parse("1.4.2").matches("1.4.1")).isFalse();
        assertThat(VersionRange.parse("1.4.2").matches("1.5.0")).isTrue();
        assertThat(VersionRange.parse("2").matches("2.0.0")).isTrue();
        assertThat(VersionRange.parse("2").matches("3.0.0")).isFalse();
        assertThatThrownBy(() -> VersionRange.parse("^1.2")).hasMessageContaining("MAJOR.MINOR");
    }

    @Test
    void environmentsMayNameAFallback() {
        assertThat(EnvironmentSpec.parse("prod")).isEqualTo(new EnvironmentSpec("prod", null));
        assertThat(EnvironmentSpec.parse("prod,fallback:staging")).isEqualTo(new EnvironmentSpec("prod", "staging"));
        assertThatThrownBy(() -> EnvironmentSpec.parse("prod,staging")).hasMessageContaining("fallback:");
        assertThatThrownBy(() -> EnvironmentSpec.parse("pr od")).hasMessageContaining("environment names");
    }

    @Test
    void theBreakerOpensAfterConsecutiveFailuresHalfOpensAndCloses() {
        MutableClock clock = new MutableClock();
        CircuitBreaker b = new CircuitBreaker(3, Duration.ofSeconds(30), clock);
        b.failure();
        b.failure();
        b.success();
        b.failure();
        b.failure();
        assertThat(b.state()).as("failures must be consecutive").isEqualTo(CircuitBreaker.State.CLOSED);
        b.failure();
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(b.allowsCall()).isFalse();
        clock.advance(Duration.ofSeconds(29));
        assertThat(b.allowsCall()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(b.allowsCall()).isTrue();
        b.callStarted();
        assertThat(b.allowsCall()).as("one trial at a time").isFalse();
        b.failure();
        assertThat(b.state()).as("a failed trial opens it again").isEqualTo(CircuitBreaker.State.OPEN);
        clock.advance(Duration.ofSeconds(30));
        b.callStarted();
        b.success();
        assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(b.allowsCall()).isTrue();
    }

    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
