package io.tlalign.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

  private long now;
  private final StringWriter text = new StringWriter();

  @Test
  void inATerminalItRedrawsInPlaceAtMostFiveTimesASecond() {
    ProgressBar bar = new ProgressBar(new PrintWriter(text), true, () -> now);
    bar.onStart("images.train", 1000);
    for (int i = 1; i <= 1000; i++) {
      now += 1_000_000; // 1 ms per record: 1000 records/s, 1 s in all
      bar.onProgress(i, 1000, 0);
    }
    bar.onFinish(new ReplaySummary(1000, 0, "images.train", Duration.ofSeconds(1)));

    String out = text.toString();
    long draws = out.chars().filter(c -> c == '\r').count();
    assertThat(draws).isBetween(5L, 7L); // start, 4-5 throttled, final
    assertThat(out).endsWith("\n");
    assertThat(out.substring(out.lastIndexOf('\r') + 1).trim())
        .isEqualTo(
            "replay images.train [########################] 100.0% 1000/1000 1000/s ETA 0:00");
  }

  @Test
  void theLineHasDoneTotalRateAndEta() {
    ProgressBar bar = new ProgressBar(new PrintWriter(text), true, () -> now);
    bar.onStart("t", 60_000);
    now += 3_000_000_000L;
    bar.onProgress(15_000, 60_000, 2);
    assertThat(bar.render())
        .isEqualTo(
            "replay t [######------------------]  25.0% 15000/60000 5000/s ETA 0:09 failed 2");
  }

  @Test
  void aSkippedImageGetsItsOwnLineAfterClearingTheBar() {
    ProgressBar bar = new ProgressBar(new PrintWriter(text), true, () -> now);
    bar.onStart("t", 10);
    bar.onSkipped("ds/train/x.png", "cannot decode x.png");
    assertThat(text.toString())
        .contains("\rreplay: skipped ds/train/x.png: cannot decode x.png" + System.lineSeparator());
  }

  @Test
  void outsideATerminalItWritesAPlainLineEveryTenSeconds() {
    ProgressBar bar = new ProgressBar(new PrintWriter(text), false, () -> now);
    bar.onStart("t", 100);
    for (int i = 1; i <= 100; i++) {
      now += 250_000_000L; // 25 s in all
      bar.onProgress(i, 100, 0);
    }
    bar.onFinish(new ReplaySummary(100, 0, "t", Duration.ofSeconds(25)));
    assertThat(text.toString()).doesNotContain("\r");
    assertThat(text.toString().lines()).hasSize(2);
  }

  @Test
  void anAbandonedBarEndsItsLineSoAnErrorStartsOnItsOwn() {
    ProgressBar bar = new ProgressBar(new PrintWriter(text), true, () -> now);
    bar.onStart("t", 10);
    bar.abandon();
    bar.abandon(); // once is enough
    assertThat(text.toString()).endsWith(System.lineSeparator());
    assertThat(text.toString().split(System.lineSeparator(), -1)).hasSize(2);
  }
}
