package io.tlalign.job.ml;

import io.tlalign.job.records.KafkaRecord;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.types.Row;

/**
 * A table row as the record a producer would put on the train topic: a {@code LabeledImage} ({@code
 * RAW_U8}) keyed by its id, so that the fit runs the streaming job's own decode and validation.
 * Runs with parallelism 1: the row number is the record's offset and, without an id column, its id.
 * A missing image or label is encoded as such and refused by validation with its reason.
 */
final class RowToRecord extends RichMapFunction<Row, KafkaRecord> {

  static final String TOPIC = "fit-table";

  private final int featuresIndex;
  private final int labelIndex;
  private final int idIndex;
  private final int channels;
  private final int height;
  private final int width;

  private transient AvroRecordCodec<LabeledImage> codec;
  private transient long rowNumber;

  /**
   * @param idIndex the id column's index, or -1 to use row numbers
   */
  RowToRecord(int featuresIndex, int labelIndex, int idIndex, int channels, int height, int width) {
    this.featuresIndex = featuresIndex;
    this.labelIndex = labelIndex;
    this.idIndex = idIndex;
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  @Override
  public KafkaRecord map(Row row) {
    if (codec == null) {
      codec = AvroRecordCodec.forLabeledImage();
    }
    long n = rowNumber++;
    Object id = idIndex < 0 ? null : row.getField(idIndex);
    String key = id == null ? "row-" + n : id.toString();
    Object pixels = row.getField(featuresIndex);
    Object label = row.getField(labelIndex);
    LabeledImage image =
        LabeledImage.newBuilder()
            .setId(key)
            .setSource(TOPIC)
            .setLabel(label instanceof Number l ? l.intValue() : -1)
            .setHeight(height)
            .setWidth(width)
            .setChannels(channels)
            .setEncoding(ImageEncoding.RAW_U8)
            .setPixels(ByteBuffer.wrap(pixels instanceof byte[] b ? b : new byte[0]))
            .setEventTime(Instant.EPOCH)
            .build();
    return new KafkaRecord(
        TOPIC, 0, n, 0L, key.getBytes(StandardCharsets.UTF_8), codec.encode(image));
  }
}
