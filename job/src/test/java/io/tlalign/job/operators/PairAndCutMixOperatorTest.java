package io.tlalign.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.alignment.PairingMode;
import io.tlalign.alignment.TokenLayout;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.records.TrainingImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class PairAndCutMixOperatorTest {

  private static final TokenLayout LAYOUT = new TokenLayout(8, 8, 4, true);
  private static final int BATCH = 4;

  private static PairAndCutMixOperator operator() {
    return new PairAndCutMixOperator(
        BATCH, new BatchMixer(7L, true, 1.0, false, PairingMode.REVERSED, 1, LAYOUT));
  }

  private static OneInputStreamOperatorTestHarness<TrainingImage, TrainingBatch> harness(
      OperatorSubtaskState restoreFrom) throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(operator());
    h.setup();
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  /** 23 images with ids img-0.., image seq 5 and 17 dead-lettered; shuffled in small windows. */
  private static List<TrainingImage> input() {
    List<TrainingImage> in = new ArrayList<>();
    for (int s = 0; s < 23; s++) {
      if (s == 5 || s == 17) {
        in.add(TrainingImage.skipped(s));
        continue;
      }
      float[] px = new float[64];
      Arrays.fill(px, s);
      in.add(TrainingImage.of(s, "img-" + s, s % 10, 1, 8, 8, px));
    }
    // Parallel decode delivers out of order: swap neighbours within windows of 3.
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i + 2 < in.size(); i += 3) {
      int j = i + rng.nextInt(3);
      TrainingImage t = in.get(i);
      in.set(i, in.get(j));
      in.set(j, t);
    }
    return in;
  }

  private static List<TrainingBatch> batches(
      OneInputStreamOperatorTestHarness<TrainingImage, TrainingBatch> h) {
    List<TrainingBatch> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> r) {
        out.add((TrainingBatch) r.getValue());
      }
    }
    return out;
  }

  @Test
  void batchesFollowTheSourceOrderWhateverTheArrivalOrder() throws Exception {
    var h = harness(null);
    for (TrainingImage img : input()) {
      h.processElement(new StreamRecord<>(img));
    }
    h.endInput();
    List<TrainingBatch> out = batches(h);
    h.close();

    // 21 valid images: five full batches of 4 and a last one of 1 at the end of input.
    assertThat(out).extracting(b -> b.ids.length).containsExactly(4, 4, 4, 4, 4, 1);
    List<String> ids = new ArrayList<>();
    out.forEach(b -> ids.addAll(Arrays.asList(b.ids)));
    List<String> expected = new ArrayList<>();
    for (int s = 0; s < 23; s++) {
      if (s != 5 && s != 17) {
        expected.add("img-" + s);
      }
    }
    assertThat(ids).containsExactlyElementsOf(expected);
    assertThat(out).extracting(b -> b.batchIndex).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    // Reversed pairing: sample i takes its partner's label, B-1-i.
    assertThat(out.get(0).labelsA).containsExactly(0, 1, 2, 3);
    assertThat(out.get(0).labelsB).containsExactly(3, 2, 1, 0);
  }

  @Test
  void aSnapshotMidBatchRestoresTheOpenBatchAndBuffer() throws Exception {
    List<TrainingImage> in = input();
    var reference = harness(null);
    for (TrainingImage img : in) {
      reference.processElement(new StreamRecord<>(copy(img)));
    }
    reference.endInput();
    List<TrainingBatch> expected = batches(reference);
    reference.close();

    for (int cut = 1; cut < in.size(); cut += 4) {
      var first = harness(null);
      for (TrainingImage img : in.subList(0, cut)) {
        first.processElement(new StreamRecord<>(copy(img)));
      }
      OperatorSubtaskState snapshot = first.snapshot(1L, 1L);
      List<TrainingBatch> before = batches(first);
      first.close();

      var second = harness(snapshot);
      for (TrainingImage img : in.subList(cut, in.size())) {
        second.processElement(new StreamRecord<>(copy(img)));
      }
      second.endInput();
      List<TrainingBatch> all = new ArrayList<>(before);
      all.addAll(batches(second));
      second.close();

      assertThat(all).as("cut after %d images", cut).hasSameSizeAs(expected);
      for (int i = 0; i < expected.size(); i++) {
        TrainingBatch e = expected.get(i);
        TrainingBatch a = all.get(i);
        assertThat(a.ids).containsExactly(e.ids);
        assertThat(a.batchIndex).isEqualTo(e.batchIndex);
        assertThat(a.lambda).isEqualTo(e.lambda);
        assertThat(a.pixels).containsExactly(e.pixels);
        assertThat(a.tokenWeights).containsExactly(e.tokenWeights);
      }
    }
  }

  @Test
  void eachSampleShowsItsPartnerInsideTheBoxAndItselfOutside() throws Exception {
    var h = harness(null);
    for (TrainingImage img : input()) {
      h.processElement(new StreamRecord<>(img));
    }
    List<TrainingBatch> out = batches(h);
    h.close();
    // Boxes vary from batch to batch (a generator seeded badly gives the same empty box to all).
    assertThat(out.stream().map(b -> b.lambda).distinct().count()).isGreaterThanOrEqualTo(3);
    for (TrainingBatch b : out) {
      int n = b.ids.length;
      for (int i = 0; i < n; i++) {
        float own = Float.parseFloat(b.ids[i].substring(4));
        float partner = Float.parseFloat(b.ids[n - 1 - i].substring(4));
        int fromPartner = 0;
        for (int p = 0; p < 64; p++) {
          float v = b.pixels[i * 64 + p];
          assertThat(v).isIn(own, partner);
          fromPartner += v == partner && v != own ? 1 : 0;
        }
        if (own != partner) {
          // Every image is filled with its own sequence number, so pasted pixels are countable.
          assertThat(1 - fromPartner / 64.0).isEqualTo(b.lambda);
        }
      }
      // The class token starts at [lambda, 1 - lambda].
      assertThat(b.tokenWeights[0]).isEqualTo((float) b.lambda);
    }
  }

  private static TrainingImage copy(TrainingImage t) {
    TrainingImage c =
        TrainingImage.of(t.seq, t.id, t.label, t.channels, t.height, t.width, t.pixels.clone());
    c.skipped = t.skipped;
    return c;
  }
}
