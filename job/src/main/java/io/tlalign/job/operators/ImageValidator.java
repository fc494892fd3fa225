package io.tlalign.job.operators;

import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.model.data.ImageTransforms;
import io.tlalign.model.data.U8Image;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import io.tlalign.schemas.codec.RecordDecodeException;
import java.nio.ByteBuffer;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Decodes a raw Kafka record into a training image at the model's input size, or says precisely why
 * it cannot be used. Pure logic over one record; the Flink function around it routes the
 * rejections.
 *
 * <p>Any size is accepted up to {@code maxPixels}: RAW_U8 with 1 or 3 channels, PNG or JPEG. The
 * image is converted to the model's channels, then brought to its input size by the data config's
 * evaluation transform (resize and centre crop, see {@link ImageTransforms#evaluation}) or, when a
 * {@link TrainCrop} is given, by a RandomResizedCrop and flip seeded by the record. Pixels are
 * normalised to {@code (v / 255 - mean) / std}, in {@code [C, H, W]} order.
 */
public final class ImageValidator {

  private static final DataConfig VIT_TINY_FM_DATA =
      io.tlalign.model.vit.VitPresets.dataConfig(io.tlalign.model.vit.VitPresets.VIT_TINY_FM);

  private final AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
  private final int numClasses;
  private final DataConfig data;
  private final long maxPixels;
  private final TrainCrop trainCrop;

  /**
   * The evaluation transform with mean and std 0.5 and crop_pct 1: an image at the given size
   * passes unchanged.
   */
  public ImageValidator(int numClasses, int channels, int height, int width, long maxPixels) {
    this(numClasses, halfNormalised(channels, height, width), maxPixels, null);
  }

  /**
   * @param numClasses K: labels must lie in [0, K)
   * @param data the model's data config
   * @param maxPixels larger images are refused before they are decoded
   * @param trainCrop null: the evaluation transform; else the training crop and flip
   */
  public ImageValidator(int numClasses, DataConfig data, long maxPixels, TrainCrop trainCrop) {
    this.numClasses = numClasses;
    this.data = data;
    this.maxPixels = maxPixels;
    this.trainCrop = trainCrop;
  }

  private static DataConfig halfNormalised(int channels, int height, int width) {
    float[] half = new float[channels];
    java.util.Arrays.fill(half, 0.5f);
    return new DataConfig(
        height, width, channels, half, half, 1.0, DataConfig.Interpolation.BICUBIC, false);
  }

  public TrainingImage validate(KafkaRecord r) throws Rejection {
    if (r.key == null) {
      throw new Rejection(RejectReason.NULL_KEY, "record has no key; the key must be the image id");
    }
    LabeledImage img;
    try {
      img = codec.decode(r.value);
    } catch (RecordDecodeException e) {
      throw new Rejection(e.reason().name(), e.getMessage());
    }
    return validate(img, r.seq);
  }

  /**
   * Checks, decodes and transforms one decoded record; {@code position} seeds the training crop as
   * the record's sequence number does in the job.
   */
  public TrainingImage validate(LabeledImage img, long position) throws Rejection {
    if (img.getLabel() < 0) {
      throw new Rejection(RejectReason.LABEL_NEGATIVE, "label " + img.getLabel() + " is negative");
    }
    if (img.getLabel() >= numClasses) {
      throw new Rejection(
          RejectReason.LABEL_OUT_OF_RANGE,
          "label " + img.getLabel() + " is outside [0, " + numClasses + ")");
    }
    int h = img.getHeight();
    int w = img.getWidth();
    int c = img.getChannels();
    if (h <= 0 || w <= 0 || (c != 1 && c != 3)) {
      throw new Rejection(
          RejectReason.BAD_DIMENSIONS,
          "height " + h + ", width " + w + ", channels " + c + ": need positive sizes, 1 or 3 ch");
    }
    if ((long) h * w > maxPixels) {
      throw new Rejection(
          RejectReason.OVERSIZED_IMAGE,
          h + "x" + w + " is more than the " + maxPixels + " pixels allowed");
    }
    byte[] bytes = toArray(img.getPixels());
    U8Image decoded =
        img.getEncoding() == ImageEncoding.RAW_U8
            ? fromRaw(bytes, h, w, c)
            : ImageDecoder.decode(bytes, img.getEncoding(), h, w, maxPixels);
    U8Image input = transform(decoded, img.getId(), position);
    float[] pixels = new float[data.channels() * data.height() * data.width()];
    ImageTransforms.normalise(input, data, pixels, 0);
    return TrainingImage.of(
        position,
        img.getId(),
        img.getLabel(),
        data.channels(),
        data.height(),
        data.width(),
        pixels);
  }

  /** The evaluation transform, or the training crop seeded by the record as in ImageAugmenter. */
  U8Image transform(U8Image decoded, String id, long position) {
    if (trainCrop == null) {
      return ImageTransforms.evaluation(decoded, data);
    }
    UniformRandomProvider rng =
        RandomSource.SPLIT_MIX_64.create(ImageAugmenter.seedFor(trainCrop.jobSeed(), id, position));
    return ImageTransforms.training(
        decoded,
        data,
        trainCrop.scale(),
        trainCrop.ratio(),
        trainCrop.hflip(),
        rng::nextDouble,
        rng::nextInt);
  }

  private static U8Image fromRaw(byte[] bytes, int h, int w, int c) throws Rejection {
    long expected = (long) h * w * c;
    if (bytes.length != expected) {
      throw new Rejection(
          RejectReason.PIXEL_SIZE_MISMATCH,
          bytes.length + " pixel bytes for " + h + "x" + w + "x" + c + " (need " + expected + ")");
    }
    return new U8Image(h, w, c, bytes);
  }

  /** The pixel value 0..255 as vit-tiny-fm sees it, {@code (v / 255 - 0.5) / 0.5}. */
  static float normalise(int v) {
    return VIT_TINY_FM_DATA.normalise(v, 0);
  }

  private static byte[] toArray(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
