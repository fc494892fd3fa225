package io.tlalign.job.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThroughputWindowTest {

  @Test
  void theRateIsTheImagesOfTheLastWindowOverItsLengthIdleTimeIncluded() {
    AtomicLong now = new AtomicLong(5_000_000_000L);
    ThroughputWindow w = new ThroughputWindow(now::get);
    now.addAndGet(400_000_000L);
    w.add(32);
    assertThat(w.imagesPerSecond()).as("no window closed yet").isZero();
    now.addAndGet(1_100_000_000L); // 1.5 s after the start
    w.add(32);
    assertThat(w.imagesPerSecond()).isEqualTo(64 / 1.5);
    now.addAndGet(4_000_000_000L); // an idle stream: 32 images in 4 s
    w.add(32);
    assertThat(w.imagesPerSecond()).isEqualTo(8.0);
  }
}
