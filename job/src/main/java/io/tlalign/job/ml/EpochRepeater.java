package io.tlalign.job.ml;

import io.tlalign.job.records.KafkaRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.PermutationSampler;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Plays a bounded input {@code epochs} times, as the replay tool does to a topic: the first pass in
 * input order, each later pass in an order drawn from the seed and the epoch number. Holds the
 * records in memory until the input ends (a fit is bounded and runs without checkpoints).
 * Parallelism 1.
 */
final class EpochRepeater extends AbstractStreamOperator<KafkaRecord>
    implements OneInputStreamOperator<KafkaRecord, KafkaRecord>, BoundedOneInput {

  private static final long serialVersionUID = 1L;

  private final int epochs;
  private final long seed;
  private transient List<KafkaRecord> records;

  EpochRepeater(int epochs, long seed) {
    this.epochs = epochs;
    this.seed = seed;
  }

  @Override
  public void open() throws Exception {
    super.open();
    records = new ArrayList<>();
  }

  @Override
  public void processElement(StreamRecord<KafkaRecord> element) {
    records.add(element.getValue());
    output.collect(element);
  }

  @Override
  public void endInput() {
    int n = records.size();
    for (int epoch = 1; epoch < epochs; epoch++) {
      UniformRandomProvider rng =
          RandomSource.XO_RO_SHI_RO_128_PP.create(seed * 0x9E3779B97F4A7C15L + epoch);
      int[] order = PermutationSampler.natural(n);
      PermutationSampler.shuffle(rng, order);
      for (int i : order) {
        KafkaRecord r = records.get(i);
        output.collect(
            new StreamRecord<>(
                new KafkaRecord(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value)));
      }
    }
    records = null;
  }
}
