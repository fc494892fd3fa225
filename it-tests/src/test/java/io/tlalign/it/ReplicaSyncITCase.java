package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.sync.ParameterDigest;
import io.tlalign.job.sync.ReplicaTrainOperator;
import io.tlalign.job.sync.SyncChunk;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.SyncPhase;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Data-parallel replicas kept in step through the sync topic, on a MiniCluster and a real broker:
 * two replicas under the broadcast exchange, and three under the sharded exchange (reduce-scatter,
 * all-gather). Per exchange, two clean runs and a run with a failure in one replica publish the
 * same rounds, apply the same averages at the same steps and end with the same parameters; after
 * every applied round and at its end each replica holds exactly the average this test computes from
 * the contributions on the topic (sharded: joined from the shards each replica scattered). What a
 * replica holds is read back from its session after the restore (the sync ledger's {@code params}
 * and {@code state} digests), not what it handed to the restore; {@code state} covers parameters,
 * both AdamW moments and the step.
 */
class ReplicaSyncITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  @RegisterExtension static final MiniClusterExtension CLUSTER = JobRuns.miniCluster(2, 2);

  private static final int IMAGES = 640;
  private static final int BATCH = 32;
  private static final int K = 2;
  private static final int S = 1;

  @TempDir static Path work;
  private static JobRuns runs;

  @BeforeAll
  static void replayImages() throws Exception {
    runs = JobRuns.onFreshTopic(KAFKA.bootstrapServers(), work, IMAGES);
  }

  private static Configuration config(String run, String exchange, int replicas) {
    Configuration conf = runs.config(run);
    conf.set(TlAlignOptions.REPLICAS, replicas);
    conf.set(TlAlignOptions.SYNC_EXCHANGE, exchange);
    conf.set(TlAlignOptions.SYNC_TOPIC, "tlalign.sync." + run);
    conf.set(TlAlignOptions.SYNC_EVERY_STEPS, K);
    conf.set(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS, S);
    // Several chunks per contribution (the model's parameters are about 560 KB).
    conf.set(TlAlignOptions.SYNC_CHUNK_BYTES, 128 << 10);
    return conf;
  }

  record Run(Configuration conf, JobRuns.Outcome outcome, List<String> syncLedger) {}

  private static Run run(Configuration conf) throws Exception {
    JobExecutionResult result = runs.execute(conf);
    List<String> syncLedger =
        result.getAccumulatorResult(ReplicaTrainOperator.SYNC_LEDGER_ACCUMULATOR);
    return new Run(conf, runs.outcome(conf, result), syncLedger.stream().sorted().toList());
  }

  @ParameterizedTest(name = "{0}, P = {1}")
  @CsvSource({"broadcast, 2", "sharded, 3"})
  void replicasStayInStepAndEndBitIdenticalAcrossCleanAndFailedRuns(String exchange, int replicas)
      throws Exception {
    final int REPLICAS = replicas;
    Run first = run(config(JobRuns.newRunName("replicas-a"), exchange, replicas));
    Run second = run(config(JobRuns.newRunName("replicas-b"), exchange, replicas));
    String faultyName = JobRuns.newRunName("replicas-faulty");
    Path markers = work.resolve("markers-" + faultyName);
    Configuration faultyConf = config(faultyName, exchange, replicas);
    faultyConf.set(TlAlignOptions.FAULT_MARKER_DIR, markers.toString());
    faultyConf.set(TlAlignOptions.FAULT_TRAIN_AT_STEP, 6L);
    faultyConf.set(TlAlignOptions.FAULT_REPLICA, 1);
    Run faulty = run(faultyConf);
    assertThat(Files.exists(markers.resolve("train-6.fired"))).isTrue();

    // Independent schedule: batch b goes to replica b mod P; a replica publishes round q at local
    // step qK and applies round q - S right after; at the end all apply the final average.
    int batches = (IMAGES + BATCH - 1) / BATCH;
    List<String> expectedRounds = new ArrayList<>();
    for (int r = 0; r < REPLICAS; r++) {
      int steps = (batches - r + REPLICAS - 1) / REPLICAS;
      for (int q = 1; q + S <= steps / K; q++) {
        expectedRounds.add("replica=" + r + " round=" + q + " step=" + (q + S) * K);
      }
      expectedRounds.add("replica=" + r + " round=final step=" + steps);
    }
    assertThat(first.syncLedger().stream().map(ReplicaSyncITCase::withoutDigests).sorted())
        .containsExactlyElementsOf(expectedRounds.stream().sorted().toList());

    // After every applied round, and at the end, each replica holds the average of that round's
    // contributions: the parameters it reports are read back from its session.
    List<NamedTensor> layout = first.outcome().state().parameters();
    Map<Long, List<TrainingState>> rounds = roundsOnTopic(first.conf(), layout);
    for (String line : first.syncLedger()) {
      String round = field(line, "round");
      long q = round.equals("final") ? SyncChunk.FINAL_ROUND : Long.parseLong(round);
      List<TrainingState> contributions = rounds.get(q);
      assertThat(contributions).as("contributions of round " + round).hasSize(REPLICAS);
      assertThat(field(line, "params"))
          .as("parameters replica %s holds after round %s", field(line, "replica"), round)
          .isEqualTo(ParameterDigest.of(mean(contributions)));
      assertThat(field(line, "state")).as("whole-state digest in " + line).hasSize(64);
    }
    List<String> finals = first.syncLedger().stream().filter(l -> l.contains("final")).toList();
    assertThat(finals).hasSize(REPLICAS);
    assertThat(finals.stream().map(l -> field(l, "params")).distinct()).hasSize(1);

    // Clean, clean and failed runs: the same rounds on the topic and the same replicas, each
    // replica's whole state (parameters, both moments, step) after every round and at its end.
    for (Run other : List.of(second, faulty)) {
      assertThat(statesByRound(other.syncLedger()))
          .as(
              "every replica's whole state after every round, "
                  + other.conf().get(TlAlignOptions.GROUP_ID))
          .isEqualTo(statesByRound(first.syncLedger()));
    }
    assertThat(second.syncLedger()).isEqualTo(first.syncLedger());
    assertThat(faulty.syncLedger()).isEqualTo(first.syncLedger());
    assertThat(digests(roundsOnTopic(second.conf(), layout))).isEqualTo(digests(rounds));
    assertThat(digests(roundsOnTopic(faulty.conf(), layout))).isEqualTo(digests(rounds));
    for (Run other : List.of(second, faulty)) {
      assertThat(other.outcome().state().parameters())
          .isEqualTo(first.outcome().state().parameters());
      assertThat(other.outcome().state().firstMoments())
          .isEqualTo(first.outcome().state().firstMoments());
      assertThat(other.outcome().state().secondMoments())
          .isEqualTo(first.outcome().state().secondMoments());
      assertThat(other.outcome().state().step()).isEqualTo(first.outcome().state().step());
      assertThat(ParameterDigest.ofState(other.outcome().state()))
          .isEqualTo(ParameterDigest.ofState(first.outcome().state()));
    }
    assertThat(ParameterDigest.of(first.outcome().state().parameters()))
        .isEqualTo(field(finals.get(0), "params"));

    for (Run r : List.of(first, second, faulty)) {
      assertThat(r.outcome().ledger()).hasSize(IMAGES);
      assertThat(new HashSet<>(r.outcome().ledger())).hasSize(IMAGES);
    }
  }

  /**
   * Every complete contribution on the run's sync topic, by round, in replica order: whole
   * (broadcast), or joined from the replica's scattered shards (sharded; shards in order, cut into
   * {@code layout}'s tensors). The reduced shards are not read: the test averages itself.
   */
  static Map<Long, List<TrainingState>> roundsOnTopic(Configuration conf, List<NamedTensor> layout)
      throws Exception {
    return roundsOnTopic(KAFKA.bootstrapServers(), conf, layout, 0);
  }

  /** {@link #roundsOnTopic(Configuration, List)} of one epoch (each rescale begins one). */
  static Map<Long, List<TrainingState>> roundsOnTopic(
      String bootstrap, Configuration conf, List<NamedTensor> layout, int epoch) throws Exception {
    Map<String, TreeMap<Integer, TreeMap<Integer, SyncChunk>>> parts = new TreeMap<>();
    try (KafkaTestClient kafka = new KafkaTestClient(bootstrap)) {
      for (var r : kafka.readAll(conf.get(TlAlignOptions.SYNC_TOPIC))) {
        SyncChunk c = SyncChunk.decode(r.value());
        if (c.phase() == SyncPhase.GATHER || c.epoch() != epoch) {
          continue;
        }
        String key = String.format("%020d/%d", c.round(), c.replica());
        var shard = parts.computeIfAbsent(key, k -> new TreeMap<>());
        assertThat(shard.computeIfAbsent(c.shard(), k -> new TreeMap<>()).put(c.index(), c))
            .as("chunk %d of shard %d of %s on the topic once", c.index(), c.shard(), key)
            .isNull();
      }
    }
    Map<Long, List<TrainingState>> out = new TreeMap<>();
    for (var shards : parts.values()) {
      List<TrainingState> pieces = new ArrayList<>();
      long round = 0;
      for (TreeMap<Integer, SyncChunk> chunks : shards.values()) {
        SyncChunk head = chunks.firstEntry().getValue();
        round = head.round();
        assertThat(shards).hasSize(head.shards());
        assertThat(chunks).hasSize(head.count());
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (SyncChunk c : chunks.values()) {
          payload.write(c.data());
        }
        pieces.add(TrainingState.fromBytes(payload.toByteArray()));
      }
      out.computeIfAbsent(round, k -> new ArrayList<>())
          .add(pieces.size() == 1 ? pieces.get(0) : joined(pieces, layout));
    }
    return out;
  }

  /** A contribution from its shards: their one tensor each, concatenated, cut into the layout. */
  private static TrainingState joined(List<TrainingState> shards, List<NamedTensor> layout) {
    int n = 0;
    for (TrainingState s : shards) {
      n += s.parameters().get(0).data().length;
    }
    float[] flat = new float[n];
    int at = 0;
    for (TrainingState s : shards) {
      float[] d = s.parameters().get(0).data();
      System.arraycopy(d, 0, flat, at, d.length);
      at += d.length;
    }
    List<NamedTensor> tensors = new ArrayList<>();
    at = 0;
    for (NamedTensor t : layout) {
      float[] d = new float[t.data().length];
      System.arraycopy(flat, at, d, 0, d.length);
      at += d.length;
      tensors.add(new NamedTensor(t.name(), t.shape(), d));
    }
    assertThat(at).as("the shards hold the model's parameters and nothing else").isEqualTo(n);
    return TrainingState.builder()
        .setPreset(shards.get(0).preset())
        .setStep(shards.get(0).step())
        .setParameters(tensors)
        .build();
  }

  private static Map<Long, List<String>> digests(Map<Long, List<TrainingState>> rounds) {
    return rounds.entrySet().stream()
        .collect(
            Collectors.toMap(
                Map.Entry::getKey,
                e -> e.getValue().stream().map(s -> ParameterDigest.of(s.parameters())).toList(),
                (a, b) -> a,
                TreeMap::new));
  }

  /** (c_0 + c_1 + ... + c_{P-1}) / P per element, in float, replica order. */
  static List<NamedTensor> mean(List<TrainingState> contributions) {
    List<NamedTensor> out = new ArrayList<>();
    List<NamedTensor> first = contributions.get(0).parameters();
    for (int t = 0; t < first.size(); t++) {
      float[] sum = first.get(t).data().clone();
      for (TrainingState c : contributions.subList(1, contributions.size())) {
        float[] d = c.parameters().get(t).data();
        for (int i = 0; i < sum.length; i++) {
          sum[i] += d[i];
        }
      }
      for (int i = 0; i < sum.length; i++) {
        sum[i] = sum[i] / contributions.size();
      }
      out.add(new NamedTensor(first.get(t).name(), first.get(t).shape(), sum));
    }
    return out;
  }

  /** {@code replica=R round=Q} to the whole-state digest the replica reported there. */
  private static Map<String, String> statesByRound(List<String> syncLedger) {
    Map<String, String> out = new TreeMap<>();
    for (String line : syncLedger) {
      String key = "replica=" + field(line, "replica") + " round=" + field(line, "round");
      assertThat(out.put(key, field(line, "state"))).as(key + " reported once").isNull();
    }
    return out;
  }

  static String field(String line, String name) {
    for (String part : line.split(" ")) {
      if (part.startsWith(name + "=")) {
        return part.substring(name.length() + 1);
      }
    }
    throw new AssertionError("no " + name + " in " + line);
  }

  private static String withoutDigests(String line) {
    return line.replaceAll(" (params|state)=\\S+", "");
  }
}
