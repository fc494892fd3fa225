package io.tlalign.job.publish;

import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.train.ModelPublication;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.weights.WeightsExport;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes models in two phases tied to Flink's checkpoints: {@link #stage} writes the model file
 * while a checkpoint is taken, {@link #publishUpTo} sends its {@link ModelRef} to the models topic
 * once that checkpoint is complete. A model whose checkpoint never completes is deleted, never
 * announced, so no published model reflects data that a restore would replay.
 */
public final class ModelPublisher implements ModelPublication {

  private static final Logger LOG = LoggerFactory.getLogger(ModelPublisher.class);

  private final ModelStore store;
  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final AvroRecordCodec<ModelRef> codec = AvroRecordCodec.forModelRef();
  private final TreeMap<Long, ModelRef> staged = new TreeMap<>();
  private long lastStagedStep = -1;

  ModelPublisher(ModelStore store, Producer<byte[], byte[]> producer, String topic) {
    this.store = store;
    this.producer = producer;
    this.topic = topic;
  }

  /** Writes the model file for a checkpoint being taken, unless no step ran since the last one. */
  @Override
  public void stage(TrainingState state, long checkpointId) throws IOException {
    if (state.step() == lastStagedStep || state.step() == 0) {
      return;
    }
    staged.put(checkpointId, store.write(state, checkpointId));
    lastStagedStep = state.step();
  }

  /**
   * The parameters changed without a step (replicas applying an average): the next checkpoint
   * stages the model again even at the same step.
   */
  @Override
  public void parametersChanged() {
    lastStagedStep = -1;
  }

  /** Announces the newest model staged at or before a completed checkpoint. */
  @Override
  public void publishUpTo(long completedCheckpointId)
      throws ExecutionException, InterruptedException {
    Map.Entry<Long, ModelRef> newest = staged.floorEntry(completedCheckpointId);
    if (newest == null) {
      return;
    }
    ModelRef ref = newest.getValue();
    producer
        .send(
            new ProducerRecord<>(
                topic, ref.getUri().getBytes(StandardCharsets.UTF_8), codec.encode(ref)))
        .get();
    LOG.info(
        "published model step {} (checkpoint {}): {}",
        ref.getStep(),
        newest.getKey(),
        ref.getUri());
    // Older staged models were superseded before anyone saw them.
    Iterator<Map.Entry<Long, ModelRef>> it =
        staged.headMap(newest.getKey(), false).entrySet().iterator();
    while (it.hasNext()) {
      delete(it.next().getValue());
      it.remove();
    }
    staged.remove(newest.getKey());
  }

  /** Deletes the model staged for an aborted checkpoint. */
  @Override
  public void discard(long checkpointId) {
    ModelRef ref = staged.remove(checkpointId);
    if (ref != null) {
      delete(ref);
      lastStagedStep = -1;
    }
  }

  private static void delete(ModelRef ref) {
    try {
      ModelStore.delete(ref);
    } catch (IOException e) {
      LOG.warn("could not delete unpublished model {}: {}", ref.getUri(), e.toString());
    }
  }

  @Override
  public void close() {
    producer.close();
  }

  /**
   * Creates the publisher on the task manager, from settings that travel with the job.
   *
   * @param export the names of the standard export written next to each model; null: none
   */
  public record Factory(
      String modelStoreUri, KafkaClients kafka, String topic, WeightsExport.Names export)
      implements Serializable {

    public ModelPublisher create() {
      Properties p =
          kafka.build(
              Map.of(
                  ProducerConfig.ACKS_CONFIG, "all",
                  ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                  ProducerConfig.CLIENT_ID_CONFIG, "tlalign-model-publisher"));
      return new ModelPublisher(
          new ModelStore(modelStoreUri, export),
          new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()),
          topic);
    }
  }
}
