package io.tlalign.datasets;

import io.tlalign.job.settings.TlAlignOptions;
import java.time.Clock;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * What a replay does: which dataset goes to which topic, how many epochs, in which order, how many
 * records at most and how fast. Built with {@link #builder()}: {@code setX} for the required
 * settings, {@code optX} for the optional ones; {@link Builder#build()} checks them all.
 */
public final class ReplaySpec {

  /**
   * Records larger than this (16 MiB) are refused by default; see {@link
   * Builder#optMaxRecordBytes}.
   */
  public static final int DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /**
   * Images with more pixels are refused by default (from the header, before anything is decoded):
   * the job's own limit, {@code tlalign.max-image-pixels}.
   */
  public static final long DEFAULT_MAX_IMAGE_PIXELS =
      TlAlignOptions.MAX_IMAGE_PIXELS.defaultValue();

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private final ImageDataset dataset;
  private final String topic;
  private final int epochs;
  private final OptionalLong shuffleSeed;
  private final long limit;
  private final OptionalDouble rate;
  private final int partitions;
  private final short replicationFactor;
  private final int maxRecordBytes;
  private final long maxImagePixels;
  private final Clock clock;

  private ReplaySpec(Builder b) {
    this.dataset = b.dataset;
    this.topic = b.topic;
    this.epochs = b.epochs;
    this.shuffleSeed = b.shuffleSeed;
    this.limit = b.limit;
    this.rate = b.rate;
    this.partitions = b.partitions;
    this.replicationFactor = b.replicationFactor;
    this.maxRecordBytes = b.maxRecordBytes;
    this.maxImagePixels = b.maxImagePixels;
    this.clock = b.clock;
  }

  public static Builder builder() {
    return new Builder();
  }

  public ImageDataset dataset() {
    return dataset;
  }

  public String topic() {
    return topic;
  }

  public int epochs() {
    return epochs;
  }

  /** Empty: dataset order in every epoch. */
  public OptionalLong shuffleSeed() {
    return shuffleSeed;
  }

  /** Most images to read, sent or failed, over all epochs ({@code Long.MAX_VALUE}: no limit). */
  public long limit() {
    return limit;
  }

  /** Most records per second; empty: as fast as the producer goes. */
  public OptionalDouble rate() {
    return rate;
  }

  /** Partitions of the topic, if the replay creates it. */
  public int partitions() {
    return partitions;
  }

  /** Replication factor of the topic, if the replay creates it. */
  public short replicationFactor() {
    return replicationFactor;
  }

  /** Largest encoded record; larger images are counted as failed. */
  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /** Most pixels of an image; larger ones are counted as failed, from the header alone. */
  public long maxImagePixels() {
    return maxImagePixels;
  }

  /** The clock of the records' event times. */
  public Clock clock() {
    return clock;
  }

  /** How many images the replay reads: epochs times the dataset size, capped by the limit. */
  public long total() {
    return Math.min(limit, (long) epochs * dataset.size());
  }

  /** Builds a {@link ReplaySpec}; dataset and topic are required. */
  public static final class Builder {

    private ImageDataset dataset;
    private String topic;
    private int epochs = 1;
    private OptionalLong shuffleSeed = OptionalLong.of(0);
    private long limit = Long.MAX_VALUE;
    private OptionalDouble rate = OptionalDouble.empty();
    private int partitions = 1;
    private short replicationFactor = 1;
    private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
    private long maxImagePixels = DEFAULT_MAX_IMAGE_PIXELS;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    public Builder setDataset(ImageDataset dataset) {
      this.dataset = dataset;
      return this;
    }

    public Builder setTopic(String topic) {
      this.topic = topic;
      return this;
    }

    /** Passes over the dataset (default 1), each in a fresh order. */
    public Builder optEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /** The shuffle seed (default 0). */
    public Builder optShuffleSeed(long seed) {
      this.shuffleSeed = OptionalLong.of(seed);
      return this;
    }

    /** Dataset order in every epoch, no shuffling. */
    public Builder optFileOrder() {
      this.shuffleSeed = OptionalLong.empty();
      return this;
    }

    /** Most images to read over all epochs (default: all of them). */
    public Builder optLimit(long limit) {
      this.limit = limit;
      return this;
    }

    /** Most records per second (default: unlimited). */
    public Builder optRate(double recordsPerSecond) {
      this.rate = OptionalDouble.of(recordsPerSecond);
      return this;
    }

    /** Partitions of the topic if it has to be created (default 1: one ordered stream). */
    public Builder optPartitions(int partitions) {
      this.partitions = partitions;
      return this;
    }

    /** Replication factor of the topic if it has to be created (default 1). */
    public Builder optReplicationFactor(short replicationFactor) {
      this.replicationFactor = replicationFactor;
      return this;
    }

    /** Largest encoded record (default 16 MiB); larger images are counted as failed. */
    public Builder optMaxRecordBytes(int bytes) {
      this.maxRecordBytes = bytes;
      return this;
    }

    /**
     * Most pixels of an image (default: the job's {@code tlalign.max-image-pixels} default); larger
     * images are counted as failed without being decoded.
     */
    public Builder optMaxImagePixels(long pixels) {
      this.maxImagePixels = pixels;
      return this;
    }

    /** Clock of the event times (default: the system clock). */
    public Builder optClock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the setting, its value and the fix
     */
    public ReplaySpec build() {
      if (dataset == null) {
        throw new IllegalArgumentException("dataset is not set; call setDataset(...)");
      }
      if (topic == null
          || !TOPIC.matcher(topic).matches()
          || topic.equals(".")
          || topic.equals("..")) {
        throw new IllegalArgumentException(
            "topic '"
                + topic
                + "' is not a legal Kafka topic name; use 1 to 249 of a-z A-Z 0-9 . _ -");
      }
      if (epochs < 1) {
        throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
      }
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be >= 1, got " + limit);
      }
      if (rate.isPresent()
          && (!(rate.getAsDouble() > 0) || Double.isInfinite(rate.getAsDouble()))) {
        throw new IllegalArgumentException(
            "rate must be a finite number of records per second > 0, got " + rate.getAsDouble());
      }
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
      }
      if (replicationFactor < 1) {
        throw new IllegalArgumentException(
            "replication factor must be >= 1, got " + replicationFactor);
      }
      if (maxRecordBytes < 1024) {
        throw new IllegalArgumentException(
            "maxRecordBytes must be at least 1024, got " + maxRecordBytes);
      }
      if (maxImagePixels < 1) {
        throw new IllegalArgumentException(
            "maxImagePixels must be >= 1, got "
                + maxImagePixels
                + "; the job's default is "
                + DEFAULT_MAX_IMAGE_PIXELS);
      }
      return new ReplaySpec(this);
    }
  }
}
