package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The round assembler on real sync messages (real encoded training states, cut by the real
 * encoder): complete rounds verify and average; a damaged, altered or missing chunk rejects its
 * round with a reason, and a rejected round never yields payloads to average.
 */
class RoundAssemblerTest {

  private static final String RUN = "run-1";
  private static final int CHUNK = 1000;

  private static TrainingState state(long seed, long step) {
    Random random = new Random(seed);
    List<NamedTensor> params = new ArrayList<>();
    for (String name : List.of("a.weight", "a.bias", "b.weight")) {
      float[] data = new float[name.endsWith("bias") ? 16 : 700];
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) random.nextGaussian();
      }
      params.add(new NamedTensor(name, new long[] {data.length}, data));
    }
    return TrainingState.builder().setPreset("test").setStep(step).setParameters(params).build();
  }

  private static List<byte[]> messages(long round, int replica, TrainingState state) {
    return Contribution.messages(RUN, round, state.step(), replica, 2, state.toBytes(), CHUNK);
  }

  @Test
  void interleavedChunksOfBothReplicasMakeACompleteRoundWithTheirMean() throws Exception {
    TrainingState a = state(1, 4);
    TrainingState b = state(2, 4);
    List<byte[]> ma = messages(1, 0, a);
    List<byte[]> mb = messages(1, 1, b);
    assertThat(ma).hasSizeGreaterThan(3);
    RoundAssembler assembler = new RoundAssembler(RUN, 2);
    for (int i = 0; i < Math.max(ma.size(), mb.size()); i++) {
      if (i < mb.size()) {
        assembler.add(mb.get(i));
      }
      assertThat(assembler.status(1)).isEqualTo(RoundAssembler.Status.PENDING);
      if (i < ma.size()) {
        assembler.add(ma.get(i));
      }
    }
    assertThat(assembler.status(1)).isEqualTo(RoundAssembler.Status.COMPLETE);
    assertThat(assembler.drainReports()).isEmpty();
    List<TrainingState> payloads = new ArrayList<>();
    for (byte[] p : assembler.payloads(1)) {
      payloads.add(TrainingState.fromBytes(p));
    }
    assertThat(payloads).containsExactly(a, b);

    List<NamedTensor> mean = ReplicaAverage.parameters(payloads);
    for (int t = 0; t < mean.size(); t++) {
      float[] x = a.parameters().get(t).data();
      float[] y = b.parameters().get(t).data();
      for (int i = 0; i < x.length; i++) {
        assertThat(mean.get(t).data()[i]).isEqualTo((x[i] + y[i]) / 2f);
      }
    }
  }

  @Test
  void aDamagedChunkRejectsItsRound() {
    List<byte[]> ma = messages(1, 0, state(1, 4));
    byte[] damaged = ma.get(2).clone();
    damaged[damaged.length / 2] ^= 0x10;
    ma.set(2, damaged);
    RoundAssembler assembler = feed(ma, messages(1, 1, state(2, 4)));
    assertThat(assembler.status(1)).isEqualTo(RoundAssembler.Status.REJECTED);
    assertThat(assembler.rejection(1)).contains("chunk 2/").contains("CRC-32");
    assertThat(assembler.drainReports()).singleElement().asString().contains("not be averaged");
    assertThatThrownBy(() -> assembler.payloads(1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aChunkAlteredBeforeItWasSentFailsTheRoundChecksum() throws Exception {
    List<byte[]> ma = messages(1, 0, state(1, 4));
    // A well-formed message (its CRC matches) that carries different data than was hashed.
    SyncChunk c = SyncChunk.decode(ma.get(1));
    byte[] data = c.data().clone();
    data[7] ^= 0x01;
    ma.set(
        1,
        new SyncChunk(
                c.contribution(), c.index(), c.count(), c.payloadBytes(), c.payloadSha256(), data)
            .encode());
    RoundAssembler assembler = feed(ma, messages(1, 1, state(2, 4)));
    assertThat(assembler.status(1)).isEqualTo(RoundAssembler.Status.REJECTED);
    assertThat(assembler.rejection(1)).contains("replica 0").contains("SHA-256");
  }

  @Test
  void aMissingChunkRejectsItsRoundWhenTheReplicasNextMessageArrives() {
    List<byte[]> ma = messages(1, 0, state(1, 4));
    ma.remove(1);
    RoundAssembler assembler = feed(ma, messages(1, 1, state(2, 4)));
    assertThat(assembler.status(1)).isEqualTo(RoundAssembler.Status.REJECTED);
    assertThat(assembler.rejection(1)).contains("chunk 1 of replica 0, round 1 is missing");
  }

  @Test
  void aMissingLastChunkIsFoundByTheReplicasNextRound() {
    List<byte[]> ma = messages(1, 0, state(1, 4));
    ma.remove(ma.size() - 1);
    RoundAssembler assembler = feed(ma, messages(1, 1, state(2, 4)));
    assertThat(assembler.status(1)).isEqualTo(RoundAssembler.Status.PENDING);
    messages(2, 0, state(3, 8)).forEach(assembler::add);
    assertThat(assembler.status(1)).isEqualTo(RoundAssembler.Status.REJECTED);
    assertThat(assembler.rejection(1)).contains("is missing");
  }

  @Test
  void otherRunsAndDuplicatesAreIgnoredAndRetainedMessagesRebuildTheRounds() {
    RoundAssembler assembler = new RoundAssembler(RUN, 2);
    Contribution.messages("other-run", 1, 4, 0, 2, state(9, 4).toBytes(), CHUNK)
        .forEach(assembler::add);
    List<byte[]> ma = messages(1, 0, state(1, 4));
    ma.forEach(assembler::add);
    assembler.add(ma.get(0)); // a duplicate with the same bytes
    messages(1, 1, state(2, 4)).forEach(assembler::add);
    messages(2, 0, state(3, 8)).subList(0, 2).forEach(assembler::add);
    assertThat(assembler.status(1)).isEqualTo(RoundAssembler.Status.COMPLETE);
    assertThat(assembler.drainReports()).isEmpty();

    RoundAssembler again = new RoundAssembler(RUN, 2);
    assembler.retained().forEach(again::add);
    assertThat(again.status(1)).isEqualTo(RoundAssembler.Status.COMPLETE);
    assertThat(again.payloads(1)).containsExactlyElementsOf(assembler.payloads(1));

    assembler.discardUpTo(1);
    RoundAssembler afterDiscard = new RoundAssembler(RUN, 2);
    afterDiscard.discardUpTo(1);
    assembler.retained().forEach(afterDiscard::add);
    assertThat(afterDiscard.status(2)).isEqualTo(RoundAssembler.Status.PENDING);
    assertThat(afterDiscard.drainReports()).isEmpty();
  }

  private static RoundAssembler feed(List<byte[]> first, List<byte[]> second) {
    RoundAssembler assembler = new RoundAssembler(RUN, 2);
    first.forEach(assembler::add);
    second.forEach(assembler::add);
    return assembler;
  }
}
