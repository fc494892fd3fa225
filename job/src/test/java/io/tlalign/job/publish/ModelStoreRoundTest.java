package io.tlalign.job.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.sync.Consensus;
import io.tlalign.job.sync.Contribution;
import io.tlalign.job.sync.SyncRule;
import io.tlalign.job.sync.SyncSettings;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.ModelRef;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published model of replicas is their consensus, and its {@link ModelRef} names the round: a
 * real file written and read back through the store.
 */
class ModelStoreRoundTest {

  @TempDir Path folder;

  private static TrainingState state(float value, long step) {
    return TrainingState.builder()
        .setPreset("vit-tiny-fm")
        .setStep(step)
        .setParameters(List.of(new NamedTensor("w", new long[] {2}, new float[] {value, -value})))
        .build();
  }

  @Test
  void aConsensusIsPublishedWithItsRoundAndASingleTrainersModelWithNone() throws Exception {
    ModelStore store = new ModelStore(folder.toUri().toString());
    SyncSettings sync = new SyncSettings("t", 2, 5, 0, 1 << 10, false, SyncRule.REPLACE, 1, 0, -1);
    Consensus consensus = Consensus.start(sync, state(0f, 0));
    consensus.apply(
        3,
        false,
        state(1f, 15),
        List.of(
            Contribution.payloadOf(state(1f, 15), false),
            Contribution.payloadOf(state(3f, 15), false)),
        0);

    // Replica 0 has trained on to step 17 with parameters 9; the model is still round 3's mean.
    ModelRef ref = store.write(consensus.published(state(9f, 17)), 4);
    ModelRef single = store.write(state(9f, 17), 5);

    assertThat(ref.getRound()).isEqualTo(3L);
    assertThat(ref.getStep()).isEqualTo(15);
    assertThat(ModelStore.read(ref).parameters().get(0).data()).containsExactly(2f, -2f);
    assertThat(single.getRound()).isNull();
  }
}
