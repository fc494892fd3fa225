package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.publish.ModelStore;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The parameter rules on one-element "models", against values worked out by hand (in the comments),
 * so the arithmetic of the outer step and of the swap of a replica's own update is checked
 * independently of the code.
 */
class ConsensusTest {

  private static SyncSettings settings(SyncRule rule, double lr, double mu) {
    return new SyncSettings("t", 2, 1, 0, 1 << 10, false, rule, lr, mu, -1);
  }

  private static TrainingState state(float value, long step) {
    return TrainingState.builder()
        .setPreset("vit-tiny-fm")
        .setStep(step)
        .setParameters(List.of(new NamedTensor("w", new long[] {1}, new float[] {value})))
        .build();
  }

  private static float only(List<NamedTensor> tensors) {
    return tensors.get(0).data()[0];
  }

  @Test
  void updatesWithDiLoCosOuterStepMoveTheConsensusByNesterovMomentum() {
    SyncSettings s = settings(SyncRule.UPDATES, 0.5, 0.5);
    // Both replicas start at 1.0; replica 0 trains to 1.5, replica 1 to 2.5: updates 0.5 and 1.5.
    Consensus c0 = Consensus.start(s, state(1.0f, 0));
    Consensus c1 = Consensus.start(s, state(1.0f, 0));
    TrainingState u0 = c0.contribution(state(1.5f, 1), false, false);
    TrainingState u1 = c1.contribution(state(2.5f, 1), false, false);
    assertThat(PayloadKind.of(u0)).isEqualTo(PayloadKind.UPDATE);
    assertThat(only(u0.parameters())).isEqualTo(0.5f);
    // D = 1.0; v = 0.5 x 0 + 1.0 = 1.0; C' = 1.0 + 0.5 (1.0 + 0.5 x 1.0) = 1.75.
    List<NamedTensor> p0 = c0.apply(1, false, state(1.5f, 1), List.of(u0, u1), 0);
    List<NamedTensor> p1 = c1.apply(1, false, state(2.5f, 1), List.of(u0, u1), 1);
    assertThat(only(p0)).isEqualTo(1.75f); // S = 0: both replicas hold exactly C'
    assertThat(only(p1)).isEqualTo(1.75f);
    assertThat(c0.round()).isEqualTo(1);
    // Round 2: replica 0 moves by 0.25 (to 2.0), replica 1 by -0.25 (to 1.5): D = 0.
    TrainingState w0 = c0.contribution(state(2.0f, 2), false, false);
    TrainingState w1 = c1.contribution(state(1.5f, 2), false, false);
    // v = 0.5 x 1.0 + 0 = 0.5; C'' = 1.75 + 0.5 (0 + 0.5 x 0.5) = 1.875: momentum carries on.
    assertThat(only(c0.apply(2, false, state(2.0f, 2), List.of(w0, w1), 0))).isEqualTo(1.875f);
    TrainingState published = c0.published(state(2.0f, 2));
    assertThat(only(published.parameters())).isEqualTo(1.875f);
    assertThat(published.metadata()).containsEntry(ModelStore.META_SYNC_ROUND, "2");
  }

  @Test
  void withALagAReplicaKeepsItsLaterStepsAndSwapsItsOwnUpdateForTheConsensusStep() {
    SyncSettings s = settings(SyncRule.UPDATES, 1.0, 0.0);
    Consensus c0 = Consensus.start(s, state(0.0f, 0));
    TrainingState u0 = c0.contribution(state(1.0f, 1), false, false); // update 1.0
    TrainingState u1 = state(3.0f, 1); // replica 1's update of round 1: 3.0
    // Replica 0 trained on to 1.25 before round 1 applies: C' = 0 + (1 + 3) / 2 = 2.0 and the
    // replica holds C' + its later step 0.25 = 2.25; its anchor moves the same way, so its next
    // update is that 0.25 only.
    List<NamedTensor> p =
        c0.apply(
            1,
            false,
            state(1.25f, 2),
            List.of(u0, Contribution.payloadOf(u1, false, PayloadKind.UPDATE)),
            0);
    assertThat(only(p)).isEqualTo(2.25f);
    assertThat(only(c0.contribution(state(2.25f, 2), false, false).parameters())).isEqualTo(0.25f);
  }

  @Test
  void withALagTheUpdatesPublishedSinceTheAppliedRoundStayWithTheReplica() {
    SyncSettings s = new SyncSettings("t", 2, 1, 1, 1 << 10, false, SyncRule.UPDATES, 1, 0, -1);
    Consensus c0 = Consensus.start(s, state(0.0f, 0));
    Consensus c1 = Consensus.start(s, state(0.0f, 0));
    // Round 1: replica 0 at 1.0, replica 1 at 3.0 (updates 1 and 3); nothing applies yet.
    TrainingState a1 = c0.contribution(state(1.0f, 1), false, false);
    TrainingState b1 = c1.contribution(state(3.0f, 1), false, false);
    // Round 2, as the operator does it: publish first (replica 0 at 1.5: update 0.5), then apply
    // round 1. C' = 0 + (1 + 3) / 2 = 2; replica 0 keeps its round-2 update: 2 + 0.5 = 2.5.
    c0.contribution(state(1.5f, 2), false, false);
    List<NamedTensor> p = c0.apply(1, false, state(1.5f, 2), List.of(a1, b1), 0);
    assertThat(only(p)).isEqualTo(2.5f);
    // Its next update is the local progress since round 2 only: at 2.75 it is 0.25.
    assertThat(only(c0.contribution(state(2.75f, 3), false, false).parameters())).isEqualTo(0.25f);
  }

  @Test
  void replaceAndTheFinalRoundOfEveryRuleTakeTheAverageOfParameters() {
    for (SyncRule rule : List.of(SyncRule.REPLACE, SyncRule.UPDATES)) {
      Consensus c = Consensus.start(settings(rule, 0.7, 0.9), state(0.0f, 0));
      TrainingState a = Contribution.payloadOf(state(1.0f, 5), false);
      TrainingState b = Contribution.payloadOf(state(2.0f, 6), false);
      boolean last = rule == SyncRule.UPDATES;
      assertThat(only(c.apply(1, last, state(1.0f, 5), List.of(a, b), 0))).isEqualTo(1.5f);
      assertThat(c.published(state(1.0f, 5)).step()).as("the round's step").isEqualTo(6);
    }
  }

  @Test
  void theStateRoundTripsAndARuleThatNeedsMoreIsRefused() {
    SyncSettings diloco = settings(SyncRule.UPDATES, 0.7, 0.9);
    Consensus c = Consensus.start(diloco, state(1.0f, 0));
    c.contribution(state(2.0f, 1), false, false);
    List<TrainingState> parts = c.toStates("vit-tiny-fm");
    assertThat(parts).hasSize(3);
    Consensus back = Consensus.fromStates(diloco, parts);
    assertThat(back.toStates("vit-tiny-fm")).isEqualTo(parts);

    Consensus plain = Consensus.start(settings(SyncRule.REPLACE, 1, 0), state(1.0f, 0));
    assertThatThrownBy(() -> Consensus.fromStates(diloco, plain.toStates("vit-tiny-fm")))
        .hasMessageContaining("lacks what tlalign.sync.apply=updates with outer-momentum 0.9");
  }
}
