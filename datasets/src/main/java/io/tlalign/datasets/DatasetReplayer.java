package io.tlalign.datasets;

import io.tlalign.job.settings.KafkaClients;
import io.tlalign.model.data.ImageHeader;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Replays a dataset into a Kafka topic as {@link LabeledImage} records (Avro single-object
 * encoding, key = the image id in UTF-8), in the spec's seeded order, epoch after epoch.
 *
 * <p>Each record carries the image as the dataset gives it ({@code RAW_U8} pixels, or a file's PNG
 * or JPEG bytes as they are), {@code source} = the dataset's name/split, the wall clock as event
 * time, and attributes {@code epoch} plus what the dataset adds (index or file, class name). An
 * image that cannot be read, or is larger than the spec allows (pixels, checked on the header
 * before anything is decoded, or record bytes), is reported to the listener, counted by reason and
 * skipped, and so is each of the dataset's {@link ImageDataset#ignoredFiles()} once; a record the
 * producer cannot deliver stops the replay with a {@link ReplayFailedException}.
 *
 * <pre>{@code
 * ReplaySpec spec = ReplaySpec.builder()
 *     .setDataset(FashionMnist.open(FashionMnist.DEFAULT_FOLDER, Split.TRAIN))
 *     .setTopic(Topics.IMAGES_TRAIN)
 *     .optEpochs(2)
 *     .build();
 * ReplaySummary s = DatasetReplayer.replay(spec, broker.bootstrapServers(), ProgressListener.NONE);
 * }</pre>
 */
public final class DatasetReplayer {

  private static final long ADMIN_TIMEOUT_MS = 15_000;
  private static final int PROBE_TIMEOUT_MS = 5_000;

  private DatasetReplayer() {}

  /**
   * Creates the topic when it is missing, then replays through an idempotent producer of its own.
   *
   * @throws ReplayFailedException when the topic cannot be made or a record cannot be delivered
   */
  public static ReplaySummary replay(
      ReplaySpec spec, String bootstrapServers, ProgressListener listener)
      throws InterruptedException {
    return replay(spec, KafkaClients.of(bootstrapServers), listener);
  }

  /**
   * As {@link #replay(ReplaySpec, String, ProgressListener)}, with the client settings of {@code
   * kafka} (security protocol, credentials, ...).
   */
  public static ReplaySummary replay(ReplaySpec spec, KafkaClients kafka, ProgressListener listener)
      throws InterruptedException {
    requireReachable(kafka.bootstrapServers());
    // Refused credentials or a TLS listener: one clear line, not a timeout per topic call.
    io.tlalign.job.KafkaAccessCheck.connect(kafka);
    try (Admin admin = Admin.create(adminConfig(kafka))) {
      ReplayTopics.ensure(admin, spec, ADMIN_TIMEOUT_MS);
    }
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            producerConfig(kafka, spec), new ByteArraySerializer(), new ByteArraySerializer())) {
      return replay(spec, producer, listener);
    }
  }

  /**
   * Replays through {@code producer}, which the caller owns (and should configure like {@link
   * #producerConfig}); the topic must exist or be auto-created. Flushes before returning.
   *
   * @throws ReplayFailedException when a record cannot be delivered
   */
  public static ReplaySummary replay(
      ReplaySpec spec, Producer<byte[], byte[]> producer, ProgressListener listener)
      throws InterruptedException {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    ImageDataset dataset = spec.dataset();
    RateLimiter limiter =
        spec.rate().isPresent()
            ? RateLimiter.perSecond(spec.rate().getAsDouble())
            : RateLimiter.unlimited();
    long total = spec.total();
    AtomicLong acked = new AtomicLong();
    AtomicReference<Exception> sendError = new AtomicReference<>();
    Callback callback =
        (metadata, e) -> {
          if (e == null) {
            acked.incrementAndGet();
          } else {
            sendError.compareAndSet(null, e);
          }
        };
    long began = System.nanoTime();
    listener.onStart(spec.topic(), total);
    long done = 0;
    long failed = 0;
    Map<SkipReason, Long> failedBy = new EnumMap<>(SkipReason.class);
    for (UnreadableImageException e : dataset.ignoredFiles()) {
      failed++;
      failedBy.merge(e.reason(), 1L, Long::sum);
      listener.onSkipped(e.imageId(), e.getMessage());
    }
    epochs:
    for (int epoch = 0; epoch < spec.epochs(); epoch++) {
      int[] order = ReplayOrder.permutation(dataset.size(), spec.shuffleSeed(), epoch);
      String epochText = Integer.toString(epoch);
      for (int index : order) {
        if (done >= total) {
          break epochs;
        }
        limiter.acquire();
        done++;
        byte[] value;
        DatasetImage image = null;
        try {
          image = dataset.image(index);
          refuseOversized(image, spec.maxImagePixels());
          value = codec.encode(toRecord(image, dataset.source(), epochText, spec));
          if (value.length > spec.maxRecordBytes()) {
            throw new UnreadableImageException(
                image.id(),
                SkipReason.RECORD_TOO_LARGE,
                "its record is "
                    + value.length
                    + " bytes, over the limit of "
                    + spec.maxRecordBytes()
                    + "; resize the image",
                null);
          }
        } catch (UnreadableImageException e) {
          failed++;
          failedBy.merge(e.reason(), 1L, Long::sum);
          listener.onSkipped(e.imageId(), e.getMessage());
          listener.onProgress(done, total, failed);
          continue;
        }
        throwIfFailed(sendError, spec, acked);
        try {
          producer.send(
              new ProducerRecord<>(
                  spec.topic(), image.id().getBytes(StandardCharsets.UTF_8), value),
              callback);
        } catch (RuntimeException e) {
          throw failure(spec, acked, e);
        }
        listener.onProgress(done, total, failed);
      }
    }
    try {
      producer.flush();
    } catch (RuntimeException e) {
      throw failure(spec, acked, e);
    }
    throwIfFailed(sendError, spec, acked);
    ReplaySummary summary =
        new ReplaySummary(
            acked.get(),
            failed,
            spec.topic(),
            Duration.ofNanos(System.nanoTime() - began),
            failedBy);
    listener.onFinish(summary);
    return summary;
  }

  /** The job's size check, made before sending: the header's size for PNG and JPEG. */
  private static void refuseOversized(DatasetImage image, long maxPixels)
      throws UnreadableImageException {
    if ((long) image.height() * image.width() <= maxPixels) {
      return;
    }
    String message =
        image.encoding() == ImageEncoding.RAW_U8
            ? image.height()
                + "x"
                + image.width()
                + " is more than the "
                + maxPixels
                + " pixels allowed"
            : new ImageHeader(image.encoding(), image.height(), image.width(), image.channels())
                .oversizedMessage(maxPixels);
    throw new UnreadableImageException(image.id(), SkipReason.OVERSIZED, message, null);
  }

  private static LabeledImage toRecord(
      DatasetImage image, String source, String epoch, ReplaySpec spec) {
    Map<String, String> attributes = new HashMap<>(image.attributes());
    attributes.put("epoch", epoch);
    return LabeledImage.newBuilder()
        .setId(image.id())
        .setSource(source)
        .setLabel(image.label())
        .setHeight(image.height())
        .setWidth(image.width())
        .setChannels(image.channels())
        .setEncoding(image.encoding())
        .setPixels(ByteBuffer.wrap(image.pixels()))
        .setEventTime(spec.clock().instant())
        .setAttributes(attributes)
        .build();
  }

  private static void throwIfFailed(
      AtomicReference<Exception> sendError, ReplaySpec spec, AtomicLong acked) {
    Exception e = sendError.get();
    if (e != null) {
      throw failure(spec, acked, e);
    }
  }

  private static ReplayFailedException failure(ReplaySpec spec, AtomicLong acked, Exception e) {
    return new ReplayFailedException(
        "sending to topic "
            + spec.topic()
            + " failed after "
            + acked.get()
            + " acknowledged records: "
            + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + e.getMessage()),
        e);
  }

  /**
   * The replay producer's settings: idempotent, {@code acks=all}, batched (linger 10 ms, 1 MiB
   * batches), lz4-compressed, with a {@code max.request.size} that fits the spec's largest record.
   */
  public static Map<String, Object> producerConfig(String bootstrapServers, ReplaySpec spec) {
    return producerConfig(KafkaClients.of(bootstrapServers), spec);
  }

  /** {@link #producerConfig(String, ReplaySpec)} over the client settings of {@code kafka}. */
  public static Map<String, Object> producerConfig(KafkaClients kafka, ReplaySpec spec) {
    int maxRequest = ReplayTopics.maxMessageBytes(spec);
    Map<String, Object> c = new HashMap<>();
    c.put(ProducerConfig.CLIENT_ID_CONFIG, "tlalign-replay");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    c.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    c.put(ProducerConfig.BATCH_SIZE_CONFIG, 1024 * 1024);
    c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequest);
    c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(64L * 1024 * 1024, 2L * maxRequest));
    return kafka.buildMap(c);
  }

  /**
   * Fails fast, and without the Kafka client's retry warnings, when no bootstrap server accepts a
   * TCP connection.
   */
  static void requireReachable(String bootstrapServers) {
    List<String> failures = new ArrayList<>();
    for (String server : bootstrapServers.split(",")) {
      String s = server.trim();
      int colon = s.lastIndexOf(':');
      if (colon <= 0) {
        failures.add(s + ": not HOST:PORT");
        continue;
      }
      String host = s.substring(0, colon).replace("[", "").replace("]", "");
      try (Socket socket = new Socket()) {
        socket.connect(
            new InetSocketAddress(host, Integer.parseInt(s.substring(colon + 1))),
            PROBE_TIMEOUT_MS);
        return;
      } catch (IOException | IllegalArgumentException e) {
        failures.add(
            s + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      }
    }
    throw new ReplayFailedException(
        "cannot reach Kafka at "
            + bootstrapServers
            + " ("
            + String.join("; ", failures)
            + "); is a broker running there?",
        null);
  }

  static Map<String, Object> adminConfig(KafkaClients kafka) {
    Map<String, Object> c = new HashMap<>();
    c.put(AdminClientConfig.CLIENT_ID_CONFIG, "tlalign-replay-admin");
    c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT_MS);
    c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT_MS);
    return kafka.buildMap(c);
  }
}
