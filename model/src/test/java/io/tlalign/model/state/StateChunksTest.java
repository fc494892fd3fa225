package io.tlalign.model.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StateChunksTest {

  private static final int H = StateChunks.HEADER_BYTES;

  @Test
  void splitAndJoinRoundTripAtEverySizeAroundTheChunkBoundary() throws Exception {
    Random random = new Random(7);
    int max = H + 10;
    for (int size : new int[] {0, 1, 9, 10, 11, 19, 20, 21, 1000}) {
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);

      List<byte[]> chunks = StateChunks.split(bytes, max);

      assertThat(chunks).hasSize(Math.max(1, (size + 9) / 10));
      assertThat(chunks).allSatisfy(c -> assertThat(c.length).isLessThanOrEqualTo(max));
      assertThat(StateChunks.join(chunks)).isEqualTo(bytes);
      assertThat(StateChunks.open(chunks).readAllBytes()).isEqualTo(bytes);
    }
  }

  @Test
  void aTrainingStateGoesIntoChunksAndBackWithoutAWholeCopy() throws Exception {
    TrainingState state = SampleStates.small();
    List<byte[]> chunks = TrainingStateFormat.toChunks(state, H + 40);

    assertThat(chunks).allSatisfy(c -> assertThat(c.length).isLessThanOrEqualTo(H + 40));
    assertThat(StateChunks.join(chunks)).isEqualTo(state.toBytes());
    assertThat(TrainingStateFormat.fromChunks(chunks)).isEqualTo(state);
  }

  @Test
  void aMissingChunkIsNamed() {
    List<byte[]> chunks = new ArrayList<>(StateChunks.split(new byte[50], H + 10));
    chunks.remove(2);
    assertThatThrownBy(() -> StateChunks.join(chunks))
        .isInstanceOf(CorruptTrainingStateException.class)
        .hasMessage(
            "training state chunks are incomplete: the chunks declare 5, got 4; missing chunk(s)"
                + " {2}");
    assertThatThrownBy(() -> TrainingStateFormat.fromChunks(chunks))
        .hasMessageContaining("missing chunk(s) {2}");
  }

  @Test
  void reorderedChunksAreRefused() {
    List<byte[]> chunks = new ArrayList<>(StateChunks.split(new byte[50], H + 10));
    chunks.add(1, chunks.remove(3));
    assertThatThrownBy(() -> StateChunks.join(chunks))
        .hasMessageContaining("position 1 has index 3; chunks must be given in order 0..4");
  }

  @Test
  void aChunkOfAnotherStateIsRefused() {
    List<byte[]> chunks = new ArrayList<>(StateChunks.split(new byte[50], H + 10));
    chunks.set(1, StateChunks.split(new byte[60], H + 10).get(1));
    assertThatThrownBy(() -> StateChunks.join(chunks))
        .hasMessageContaining("chunk at position 1 belongs to another state");
  }

  @Test
  void anAlteredOrTruncatedChunkIsRefused() {
    List<byte[]> chunks = new ArrayList<>(StateChunks.split(new byte[50], H + 10));
    chunks.get(3)[dataOffset(chunks.get(3)) + 4] ^= 1;
    assertThatThrownBy(() -> StateChunks.join(chunks))
        .hasMessageStartingWith("training state chunk 3 payload checksum mismatch");

    List<byte[]> cut = new ArrayList<>(StateChunks.split(new byte[50], H + 10));
    cut.set(4, new byte[5]);
    assertThatThrownBy(() -> StateChunks.join(cut)).hasMessageContaining("was truncated");

    assertThatThrownBy(() -> StateChunks.join(List.of()))
        .hasMessageContaining("at least one chunk");
    assertThatThrownBy(() -> StateChunks.join(List.of(new byte[H + 3])))
        .hasMessageContaining("not a training state chunk");
  }

  @Test
  void aChunkTooSmallForItsHeaderIsAnArgumentError() {
    assertThatThrownBy(() -> StateChunks.split(new byte[10], H))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxChunkBytes is " + H)
        .hasMessageContaining("at least " + (H + 1));
  }

  /** Where a chunk's data starts: after the 16-byte frame prefix and the header it declares. */
  private static int dataOffset(byte[] chunk) {
    return 16 + ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
  }
}
