package io.tlalign.job.sync;

import io.tlalign.job.publish.ModelStore;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What every replica agrees on, and what a parameter rule needs to apply the next round: the
 * average of the last applied round (the consensus, published as the model, identical on every
 * replica), and under {@link SyncRule#UPDATES} the replica's anchor (its parameters right after its
 * last contribution, so the next contribution is exactly its local steps since) and the outer
 * optimizer's momentum buffer.
 *
 * <p>Under {@link SyncRule#UPDATES}, with {@code d_i} replica i's update of round r and {@code D}
 * their mean (replica order), the outer step is Nesterov SGD on the outer gradient {@code -D}:
 *
 * <pre>
 * v = mu v + D
 * C' = C + lr (D + mu v)        (mu = 0: C' = C + lr D)
 * theta = theta + (C' - C) - d_i, anchor = anchor + (C' - C) - d_i
 * </pre>
 *
 * so each replica keeps its own updates of later rounds (S &gt; 0) and swaps its round-r update for
 * the consensus step; with S = 0 every replica holds exactly C' after the round.
 *
 * <p>All arithmetic is float, element by element, in a fixed order: every replica computes the same
 * bits, in every run.
 */
public final class Consensus {

  private final SyncRule rule;
  private final double outerLr;
  private final double outerMomentum;
  private final int lagRounds;
  private List<NamedTensor> parameters; // null: the replica's own parameters are the consensus
  private long round;
  private long step;
  private int epoch;
  private List<NamedTensor> anchor; // UPDATES only
  private List<NamedTensor> momentum; // UPDATES with momentum > 0 only

  private final SyncExchange exchange;

  private Consensus(SyncSettings sync) {
    this.exchange = sync.exchange();
    this.rule = sync.rule();
    this.outerLr = sync.outerLearningRate();
    this.outerMomentum = sync.outerMomentum();
    this.lagRounds = sync.lagRounds();
  }

  /** The consensus before the first round: the replicas' common initial parameters. */
  public static Consensus start(SyncSettings sync, TrainingState initial) {
    Consensus c = new Consensus(sync);
    c.round = 0;
    c.step = initial.step();
    if (sync.rule() != SyncRule.GRADIENTS) {
      c.parameters = initial.parameters();
    }
    if (sync.rule() == SyncRule.UPDATES) {
      c.anchor = initial.parameters();
      if (sync.outerMomentum() > 0) {
        c.momentum = zerosLike(initial.parameters());
      }
    }
    return c;
  }

  /**
   * A consensus whose parameters are unknown, for a replica restored from a checkpoint written
   * before consensus was kept: the replica's own parameters stand for it until the next round.
   *
   * @throws IllegalStateException under {@link SyncRule#UPDATES}, which cannot continue without its
   *     anchor
   */
  public static Consensus unknown(SyncSettings sync, TrainingState current) {
    if (sync.rule() == SyncRule.UPDATES) {
      throw new IllegalStateException(
          "the checkpoint holds no consensus state, which tlalign.sync.apply=updates needs; it was"
              + " written under another rule: restore it with that rule, or start fresh");
    }
    Consensus c = new Consensus(sync);
    c.step = current.step();
    return c;
  }

  public long round() {
    return round;
  }

  /**
   * The payload this replica contributes to a round: under {@link SyncRule#UPDATES} its update
   * since its last contribution (and the anchor moves to its parameters), else its parameters (with
   * moments when they are averaged). Final rounds always carry parameters.
   */
  public TrainingState contribution(
      TrainingState current, boolean finalRound, boolean withMoments) {
    if (rule != SyncRule.UPDATES || finalRound) {
      return Contribution.payloadOf(current, withMoments, PayloadKind.PARAMETERS);
    }
    List<NamedTensor> update = new ArrayList<>(anchor.size());
    List<NamedTensor> now = current.parameters();
    for (int t = 0; t < now.size(); t++) {
      float[] p = now.get(t).data();
      float[] a = anchor.get(t).data();
      float[] d = new float[p.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = p[i] - a[i];
      }
      update.add(new NamedTensor(now.get(t).name(), now.get(t).shape(), d));
    }
    anchor = copy(now);
    return Contribution.payloadOf(
        TrainingState.builder()
            .setPreset(current.preset())
            .setStep(current.step())
            .setParameters(update)
            .optRefusedSteps(current.refusedSteps())
            .optOptimizer(current.optimizer())
            .build(),
        false,
        PayloadKind.UPDATE);
  }

  /**
   * Applies a complete round to this replica: the new consensus, and the parameters the replica
   * continues from.
   *
   * @param contributions the round's payloads in replica order, all of the round's kind
   * @param own this replica's index
   * @return the replica's new parameters
   */
  public List<NamedTensor> apply(
      long roundNumber,
      boolean finalRound,
      TrainingState current,
      List<TrainingState> contributions,
      int own) {
    long roundStep = 0;
    for (TrainingState c : contributions) {
      roundStep = Math.max(roundStep, c.step());
    }
    return apply(
        roundNumber,
        finalRound,
        current,
        ReplicaAverage.parameters(contributions),
        contributions.get(own).parameters(),
        roundStep);
  }

  /**
   * Applies a complete round, given its mean (computed here or joined from the reducers' shards).
   *
   * @param average the mean of the round's contributions (parameters or updates)
   * @param ownContribution what this replica contributed to the round (used by delta and updates)
   * @param roundStep the largest step a contribution was taken at
   * @return the replica's new parameters
   */
  public List<NamedTensor> apply(
      long roundNumber,
      boolean finalRound,
      TrainingState current,
      List<NamedTensor> average,
      List<NamedTensor> ownContribution,
      long roundStep) {
    List<NamedTensor> next;
    if (finalRound || rule == SyncRule.REPLACE) {
      next = average;
      parameters = average;
      if (anchor != null) {
        anchor = average;
      }
    } else if (rule == SyncRule.DELTA) {
      next = ReplicaAverage.shift(current.parameters(), ownContribution, average);
      parameters = average;
    } else if (rule == SyncRule.UPDATES) {
      next = applyUpdates(current.parameters(), ownContribution, average);
    } else {
      throw new IllegalStateException(rule + " rounds are applied as gradients, not here");
    }
    round = finalRound ? round + 1 : roundNumber;
    step = roundStep;
    return next;
  }

  private List<NamedTensor> applyUpdates(
      List<NamedTensor> current, List<NamedTensor> ownUpdate, List<NamedTensor> meanUpdate) {
    float lr = (float) outerLr;
    float mu = (float) outerMomentum;
    List<NamedTensor> nextConsensus = new ArrayList<>(current.size());
    List<NamedTensor> nextMomentum = momentum == null ? null : new ArrayList<>(current.size());
    List<NamedTensor> nextParameters = new ArrayList<>(current.size());
    List<NamedTensor> nextAnchor = new ArrayList<>(current.size());
    for (int t = 0; t < current.size(); t++) {
      NamedTensor layout = current.get(t);
      float[] c = parameters.get(t).data();
      float[] dMean = meanUpdate.get(t).data();
      float[] dOwn = ownUpdate.get(t).data();
      float[] theta = layout.data();
      float[] a = anchor.get(t).data();
      float[] v = momentum == null ? null : momentum.get(t).data().clone();
      float[] cNext = new float[c.length];
      for (int i = 0; i < c.length; i++) {
        float stepDirection;
        if (v != null) {
          v[i] = mu * v[i] + dMean[i];
          stepDirection = dMean[i] + mu * v[i];
        } else {
          stepDirection = dMean[i];
        }
        cNext[i] = lr == 1f ? c[i] + stepDirection : c[i] + lr * stepDirection;
      }
      float[] pNext;
      float[] aNext;
      if (lagRounds == 0 && Arrays.equals(theta, a)) {
        // S = 0: the round applied is the one just published, nothing of the replica's own is
        // pending, and it holds exactly the consensus. (With S > 0 the parameters also equal the
        // anchor right after publishing, but the rounds published since are still pending.)
        pNext = cNext;
        aNext = cNext;
      } else {
        pNext = new float[c.length];
        aNext = new float[c.length];
        for (int i = 0; i < c.length; i++) {
          float shift = (cNext[i] - c[i]) - dOwn[i];
          pNext[i] = theta[i] + shift;
          aNext[i] = a[i] + shift;
        }
      }
      nextConsensus.add(new NamedTensor(layout.name(), layout.shape(), cNext));
      nextParameters.add(new NamedTensor(layout.name(), layout.shape(), pNext));
      nextAnchor.add(new NamedTensor(layout.name(), layout.shape(), aNext));
      if (nextMomentum != null) {
        nextMomentum.add(new NamedTensor(layout.name(), layout.shape(), v));
      }
    }
    parameters = nextConsensus;
    anchor = nextAnchor;
    if (nextMomentum != null) {
      momentum = nextMomentum;
    }
    return nextParameters;
  }

  /** Under {@link SyncRule#GRADIENTS}: a step applied on every replica is the new consensus. */
  public void stepped(long newStep) {
    round = newStep;
    step = newStep;
  }

  /**
   * The model to publish: the consensus parameters at the consensus step, with this replica's
   * moments (they stay local; a served model does not use them) and the round in its metadata
   * ({@link ModelStore#META_SYNC_ROUND}).
   */
  public TrainingState published(TrainingState current) {
    if (parameters == null) {
      return TrainingState.builder()
          .setPreset(current.preset())
          .setStep(current.step())
          .setParameters(current.parameters())
          .optRefusedSteps(current.refusedSteps())
          .optRngState(current.rngState())
          .optOptimizer(current.optimizer())
          .optMetadata(current.metadata())
          .optMetadata(ModelStore.META_SYNC_ROUND, Long.toString(round))
          .build();
    }
    return TrainingState.builder()
        .setPreset(current.preset())
        .setStep(step)
        .setParameters(parameters)
        .optRefusedSteps(current.refusedSteps())
        .optRngState(current.rngState())
        .optOptimizer(
            new OptimizerState(
                step, current.optimizer().firstMoments(), current.optimizer().secondMoments()))
        .optMetadata(current.metadata())
        .optMetadata(ModelStore.META_SYNC_ROUND, Long.toString(round))
        .build();
  }

  // ------------------------------------------------------------------------ operator state

  private static final String META_ROUND = "tlalign.sync.consensus-round";
  private static final String META_PART = "tlalign.sync.consensus-part";
  private static final String META_EPOCH = "tlalign.sync.epoch";
  private static final String META_EXCHANGE = "tlalign.sync.exchange";

  /** Metadata key of a rescale point: the replica count that wrote it. */
  public static final String META_REPLICAS = "tlalign.sync.replicas";

  /**
   * The consensus as values for operator state, each a {@link TrainingState} whose parameters are
   * the tensors of one part (consensus, anchor, momentum) and whose step is the consensus step.
   */
  public List<TrainingState> toStates(String preset) {
    List<TrainingState> out = new ArrayList<>();
    out.add(part(preset, "consensus", parameters == null ? List.of() : parameters));
    if (anchor != null) {
      out.add(part(preset, "anchor", anchor));
    }
    if (momentum != null) {
      out.add(part(preset, "momentum", momentum));
    }
    return out;
  }

  private TrainingState part(String preset, String name, List<NamedTensor> tensors) {
    return part(preset, name, tensors, epoch);
  }

  private TrainingState part(
      String preset, String name, List<NamedTensor> tensors, int epochNumber) {
    return TrainingState.builder()
        .setPreset(preset)
        .setStep(step)
        .setParameters(tensors)
        .optMetadata(META_ROUND, Long.toString(round))
        .optMetadata(META_EPOCH, Integer.toString(epochNumber))
        .optMetadata(META_EXCHANGE, exchange.optionValue())
        .optMetadata(META_PART, name)
        .build();
  }

  /** The exchange a consensus part was written under (broadcast before sharding existed). */
  public static SyncExchange exchangeOf(TrainingState part) {
    return SyncExchange.parse(part.metadata().getOrDefault(META_EXCHANGE, "broadcast"));
  }

  /** The epoch a consensus part or rescale point was written in (0 before any rescale). */
  public static int epochOf(TrainingState part) {
    return Integer.parseInt(part.metadata().getOrDefault(META_EPOCH, "0"));
  }

  /** The round a consensus part or rescale point holds the consensus of. */
  public static long roundOf(TrainingState part) {
    return Long.parseLong(part.metadata().getOrDefault(META_ROUND, "0"));
  }

  /**
   * Where every replica starts after a restore under another replica count: the consensus
   * parameters (under gradients, or before any consensus was kept, the replica's own, which are the
   * consensus) with {@code current}'s moments, at the consensus step.
   */
  public TrainingState restartPoint(TrainingState current, int replicas, int epochNumber) {
    return TrainingState.builder()
        .setPreset(current.preset())
        .setStep(parameters == null ? current.step() : step)
        .setParameters(parameters == null ? current.parameters() : parameters)
        .optRefusedSteps(current.refusedSteps())
        .optRngState(current.rngState())
        .optOptimizer(
            new OptimizerState(
                parameters == null ? current.optimizerStepCount() : step,
                current.optimizer().firstMoments(),
                current.optimizer().secondMoments()))
        .optMetadata(current.metadata())
        .optMetadata(META_ROUND, Long.toString(round))
        .optMetadata(META_EPOCH, Integer.toString(epochNumber))
        .optMetadata(META_REPLICAS, Integer.toString(replicas))
        .build();
  }

  /**
   * A single trainer's state as a rescale point: one replica, epoch 0, and the round its step would
   * be under {@code sync} (the step itself under gradients, else step / K), so the replicas' first
   * rounds follow on.
   */
  public static TrainingState pointOfSingleTrainer(TrainingState state, SyncSettings sync) {
    long round =
        sync.rule() == SyncRule.GRADIENTS ? state.step() : state.step() / sync.everySteps();
    return TrainingState.builder()
        .setPreset(state.preset())
        .setStep(state.step())
        .setParameters(state.parameters())
        .optRefusedSteps(state.refusedSteps())
        .optRngState(state.rngState())
        .optOptimizer(state.optimizer())
        .optMetadata(state.metadata())
        .optMetadata(META_ROUND, Long.toString(round))
        .optMetadata(META_EPOCH, "0")
        .optMetadata(META_REPLICAS, "1")
        .build();
  }

  /** The outer momentum as a part for the rescale point, or null when there is none. */
  public TrainingState momentumPart(String preset, int epochNumber) {
    if (momentum == null) {
      return null;
    }
    return part(preset, "momentum", momentum, epochNumber);
  }

  /**
   * The consensus every replica starts from after a rescale: the rescale point's parameters (the
   * anchor too, under updates) and round, the outer momentum when the rule keeps one (zeros when
   * the old run kept none), in {@code newEpoch}.
   */
  public static Consensus rescaled(
      SyncSettings sync, TrainingState point, TrainingState momentumPart, int newEpoch) {
    Consensus c = new Consensus(sync);
    c.round = roundOf(point);
    c.step = point.step();
    c.epoch = newEpoch;
    if (sync.rule() != SyncRule.GRADIENTS) {
      c.parameters = point.parameters();
    }
    if (sync.rule() == SyncRule.UPDATES) {
      c.anchor = point.parameters();
      if (sync.outerMomentum() > 0) {
        c.momentum =
            momentumPart != null ? momentumPart.parameters() : zerosLike(point.parameters());
      }
    }
    return c;
  }

  /**
   * The consensus read back from {@link #toStates}.
   *
   * @throws IllegalStateException when a part this rule needs is missing or one is unknown
   */
  public static Consensus fromStates(SyncSettings sync, List<TrainingState> states) {
    Consensus c = new Consensus(sync);
    for (TrainingState s : states) {
      String part = s.metadata().getOrDefault(META_PART, "");
      c.round = roundOf(s);
      c.epoch = epochOf(s);
      c.step = s.step();
      switch (part) {
        case "consensus" -> c.parameters = s.parameters().isEmpty() ? null : s.parameters();
        case "anchor" -> c.anchor = s.parameters();
        case "momentum" -> c.momentum = s.parameters();
        default ->
            throw new IllegalStateException(
                "the checkpoint's consensus state has an unknown part \"" + part + "\"");
      }
    }
    if (sync.rule() == SyncRule.UPDATES
        && (c.parameters == null
            || c.anchor == null
            || (sync.outerMomentum() > 0) != (c.momentum != null))) {
      throw new IllegalStateException(
          "the checkpoint's consensus state lacks what tlalign.sync.apply=updates with"
              + " outer-momentum "
              + sync.outerMomentum()
              + " needs (consensus, anchor"
              + (sync.outerMomentum() > 0 ? ", momentum" : "")
              + "); it was written under other sync settings: restore it with those");
    }
    return c;
  }

  private static List<NamedTensor> zerosLike(List<NamedTensor> tensors) {
    List<NamedTensor> out = new ArrayList<>(tensors.size());
    for (NamedTensor t : tensors) {
      out.add(new NamedTensor(t.name(), t.shape(), new float[t.data().length]));
    }
    return out;
  }

  private static List<NamedTensor> copy(List<NamedTensor> tensors) {
    List<NamedTensor> out = new ArrayList<>(tensors.size());
    for (NamedTensor t : tensors) {
      out.add(new NamedTensor(t.name(), t.shape(), t.data().clone()));
    }
    return out;
  }
}
