package io.tlalign.model.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints written before the shared chunk frame (TLAS version 1 inside TLCK chunks) still
 * restore: {@code legacy-tlck-v1/} holds four chunks written by main's code at commit 1d44fdc,
 * before anything changed, and they must decode to the values their README lists.
 */
class LegacyCheckpointTest {

  private static final String FIXTURE = "legacy-tlck-v1";

  @Test
  void chunksWrittenByTheEarlierBuildRestoreToTheSameValues() throws Exception {
    List<byte[]> chunks = FixtureStates.chunks(FIXTURE);
    assertThat(chunks).hasSize(4);
    assertThat(new String(chunks.get(0), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("TLCK");

    TrainingState state = TrainingStateFormat.fromChunks(chunks);

    FixtureStates.checkIsTheFixtureState(state);

    byte[] joined = StateChunks.join(chunks);
    assertThat(new String(joined, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("TLAS");
    assertThat(TrainingState.fromBytes(joined)).isEqualTo(FixtureStates.expected());
  }

  @Test
  void aStateRestoredFromTheEarlierFramingIsWrittenInTheCurrentOne() throws Exception {
    TrainingState state = TrainingStateFormat.fromChunks(FixtureStates.chunks(FIXTURE));

    List<byte[]> again = TrainingStateFormat.toChunks(state, 1 << 20);

    assertThat(new String(again.get(0), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("TLCF");
    assertThat(TrainingStateFormat.fromChunks(again)).isEqualTo(FixtureStates.expected());
  }

  @Test
  void damagedMissingOrReorderedLegacyChunksAreStillRefused() {
    List<byte[]> altered = new ArrayList<>(FixtureStates.chunks(FIXTURE));
    altered.set(1, altered.get(1).clone());
    altered.get(1)[24 + 50] ^= 0x01; // inside chunk 1's payload, after its 24-byte TLCK header
    assertThatThrownBy(() -> TrainingStateFormat.fromChunks(altered))
        .isInstanceOf(CorruptTrainingStateException.class)
        .hasMessageStartingWith("training state chunk 1 payload checksum mismatch")
        .hasMessageContaining("the chunk was altered");

    List<byte[]> missing = new ArrayList<>(FixtureStates.chunks(FIXTURE));
    missing.remove(2);
    assertThatThrownBy(() -> TrainingStateFormat.fromChunks(missing))
        .hasMessage(
            "training state chunks are incomplete: the chunks declare 4, got 3; missing chunk(s)"
                + " {2}");

    List<byte[]> reordered = new ArrayList<>(FixtureStates.chunks(FIXTURE));
    reordered.add(1, reordered.remove(3));
    assertThatThrownBy(() -> TrainingStateFormat.fromChunks(reordered))
        .hasMessageContaining("position 1 has index 3; chunks must be given in order 0..3");
  }

  @Test
  void aLegacyChunkAmongCurrentOnesIsRefused() {
    List<byte[]> mixed =
        new ArrayList<>(TrainingStateFormat.toChunks(FixtureStates.expected(), 200));
    mixed.set(1, FixtureStates.chunks(FIXTURE).get(1));
    assertThatThrownBy(() -> TrainingStateFormat.fromChunks(mixed))
        .hasMessageStartingWith(
            "value at position 1 is not a training state chunk (no 'TLCF' magic");
  }
}
