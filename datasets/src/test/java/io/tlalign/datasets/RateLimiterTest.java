package io.tlalign.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

  /** A clock that only moves when the limiter sleeps. */
  private long now = 1_000_000_000L;

  private long slept;

  private RateLimiter limiter(double rate) {
    return RateLimiter.perSecond(
        rate,
        () -> now,
        nanos -> {
          now += nanos;
          slept += nanos;
        });
  }

  @Test
  void aSteadyCallerIsHeldToTheRate() throws Exception {
    RateLimiter l = limiter(100);
    for (int i = 0; i < 1000; i++) {
      l.acquire();
    }
    // 1000 permits at 100/s: the first is free, the other 999 take 10 ms each.
    assertThat(slept / 1e9).isCloseTo(9.99, org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void anIdleLimiterAllowsOnlyATenthOfASecondOfBurst() throws Exception {
    RateLimiter l = limiter(1000);
    now += 5_000_000_000L; // idle for 5 s
    for (int i = 0; i < 100; i++) {
      l.acquire();
    }
    assertThat(slept).isZero();
    l.acquire();
    assertThat(slept).isEqualTo(1_000_000L);
  }

  @Test
  void aSlowRateWaitsWholeSeconds() throws Exception {
    RateLimiter l = limiter(0.5);
    l.acquire();
    l.acquire();
    assertThat(slept).isEqualTo(2_000_000_000L);
  }

  @Test
  void unlimitedNeverWaitsAndBadRatesAreRefused() throws Exception {
    RateLimiter.unlimited().acquire();
    assertThat(RateLimiter.unlimited().isLimited()).isFalse();
    assertThatThrownBy(() -> RateLimiter.perSecond(0)).hasMessageContaining("got 0.0");
    assertThatThrownBy(() -> RateLimiter.perSecond(-3)).hasMessageContaining("got -3.0");
    assertThatThrownBy(() -> RateLimiter.perSecond(Double.NaN)).hasMessageContaining("NaN");
  }
}
