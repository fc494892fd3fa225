package io.tlalign.model.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.schemas.framing.ChunkFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chunks of the current framing, committed as written (frame version 1, the first {@code
 * ChunkHeader} schema; see the fixture's README): whatever the framing or the header becomes, a
 * build must still read them, since they stand for checkpoints taken by this version.
 */
class StateFramesFixtureTest {

  private static final String FIXTURE = "frames-tlcf-v1";

  @Test
  void chunksOfFrameVersionOneDecodeToTheirState() throws Exception {
    List<byte[]> chunks = FixtureStates.chunks(FIXTURE);

    assertThat(chunks).hasSize(4);
    for (int i = 0; i < chunks.size(); i++) {
      byte[] c = chunks.get(i);
      assertThat(new String(c, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("TLCF");
      assertThat(c[4]).as("frame version, low byte").isEqualTo((byte) 1);
      ChunkFrame frame = ChunkFrame.decode(c);
      assertThat(frame.header().getIndex()).isEqualTo(i);
      assertThat(frame.header().getCount()).isEqualTo(4);
      assertThat(frame.header().getContribution()).isNull();
      assertThat(c.length).isLessThanOrEqualTo(200);
    }

    TrainingState state = TrainingStateFormat.fromChunks(chunks);

    FixtureStates.checkIsTheFixtureState(state);
    assertThat(new String(StateChunks.join(chunks), 0, 4, StandardCharsets.US_ASCII))
        .isEqualTo("TLAS");
  }
}
