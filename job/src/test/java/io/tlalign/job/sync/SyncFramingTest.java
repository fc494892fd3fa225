package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sync messages in both framings a replica may meet: the current chunk frame ({@code
 * frames-tlcf-v1/}, written by its first version) and the earlier TLSY layout ({@code
 * legacy-tlsy-v1/}, written by main's code at commit 1d44fdc), which a restored replica's state may
 * still hold. Both fixtures are replica 1's contribution to round 3 of run "fixture-run" (2
 * replicas, step 12): the parameters listed in their READMEs.
 */
class SyncFramingTest {

  private static final String RUN = "fixture-run";

  @ParameterizedTest(name = "{0}")
  @CsvSource({"frames-tlcf-v1, TLCF", "legacy-tlsy-v1, TLSY"})
  void messagesOfEitherFramingDecodeToTheirContribution(String folder, String magic)
      throws Exception {
    List<byte[]> messages = messages(folder);
    assertThat(new String(messages.get(0), 0, 4, StandardCharsets.US_ASCII)).isEqualTo(magic);
    checkHeaders(messages);
    checkRound(messages);
  }

  @Test
  void aDamagedLegacyMessageRejectsItsRound() {
    List<byte[]> messages = messages("legacy-tlsy-v1");
    messages.set(1, messages.get(1).clone());
    messages.get(1)[messages.get(1).length / 2] ^= 0x10;
    RoundAssembler assembler = new RoundAssembler(RUN, 2);
    messages.forEach(assembler::add);
    assertThat(assembler.status(3)).isEqualTo(RoundAssembler.Status.REJECTED);
    assertThat(assembler.rejection(3))
        .contains("chunk 1/3 of replica 1, round 3")
        .contains("CRC-32");
  }

  @Test
  void aContributionCutByTheWriterIsTheMessagesItsChunksEncodeTo() throws Exception {
    byte[] payload = new byte[250];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 7);
    }
    List<byte[]> messages = Contribution.messages(RUN, 5, 50, 0, 3, payload, 100);
    assertThat(messages).hasSize(3);
    for (int i = 0; i < 3; i++) {
      SyncChunk c = SyncChunk.decode(messages.get(i));
      assertThat(c.data()).hasSize(i < 2 ? 100 : 50);
      assertThat(c.encode()).isEqualTo(messages.get(i));
    }
  }

  @Test
  void aTrainingStateChunkIsNotASyncMessage() {
    byte[] stateChunk = TrainingStateFormat.toChunks(contribution(), 1 << 20).get(0);
    CorruptSyncDataException e =
        catchThrowableOfType(() -> SyncChunk.decode(stateChunk), CorruptSyncDataException.class);
    assertThat(e).hasMessageContaining("without a round contribution");
    assertThat(e.chunk()).isNull();
    assertThatThrownBy(() -> SyncChunk.decode(new byte[] {1, 2, 3}))
        .isInstanceOf(CorruptSyncDataException.class)
        .hasMessageContaining("not an intact chunk frame");
  }

  /** The hand-known contribution: parameters, step and counters, no moments. */
  private static TrainingState contribution() {
    return TrainingState.builder()
        .setPreset("vit-tiny-fm")
        .setStep(12)
        .optRefusedSteps(2)
        .setParameters(
            List.of(
                new NamedTensor(
                    "patch.weight",
                    new long[] {2, 3},
                    new float[] {0.5f, -1.25f, 2f, 0f, -0.0f, 3.75f}),
                new NamedTensor("head.bias", new long[] {2}, new float[] {0.125f, -8f})))
        .optOptimizer(new OptimizerState(12, List.of(), List.of()))
        .build();
  }

  private static void checkHeaders(List<byte[]> messages) throws Exception {
    assertThat(messages).hasSize(3);
    for (int i = 0; i < messages.size(); i++) {
      SyncChunk c = SyncChunk.decode(messages.get(i));
      assertThat(c.runId()).isEqualTo(RUN);
      assertThat(c.round()).isEqualTo(3);
      assertThat(c.step()).isEqualTo(12);
      assertThat(c.replica()).isEqualTo(1);
      assertThat(c.replicas()).isEqualTo(2);
      assertThat(c.index()).isEqualTo(i);
      assertThat(c.count()).isEqualTo(3);
      assertThat(c.data()).hasSize(i < 2 ? 100 : (int) c.payloadBytes() - 200);
    }
  }

  /** With replica 0's contribution in the current framing, the round completes. */
  private static void checkRound(List<byte[]> replicaOne) throws Exception {
    RoundAssembler assembler = new RoundAssembler(RUN, 2);
    Contribution.messages(RUN, 3, 12, 0, 2, contribution().toBytes(), 64).forEach(assembler::add);
    replicaOne.forEach(assembler::add);
    assertThat(assembler.drainReports()).isEmpty();
    assertThat(assembler.status(3)).isEqualTo(RoundAssembler.Status.COMPLETE);
    TrainingState one = TrainingState.fromBytes(assembler.payloads(3).get(1));
    assertThat(one.step()).isEqualTo(12);
    assertThat(one.parameters().get(0).data()).containsExactly(0.5f, -1.25f, 2f, 0f, -0.0f, 3.75f);
    assertThat(one.parameters().get(1).data()).containsExactly(0.125f, -8f);
    assertThat(one.firstMoments()).isEmpty();
    assertThat(one).isEqualTo(contribution());
  }

  private static List<byte[]> messages(String folder) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; ; i++) {
      try (InputStream in =
          SyncFramingTest.class.getResourceAsStream(folder + "/message-" + i + ".bin")) {
        if (in == null) {
          return out;
        }
        out.add(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
