package io.tlalign.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.operators.ImageDecoder;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.model.data.U8Image;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {

  @TempDir Path root;

  private Path flowers;

  @BeforeEach
  void writeAFolderOfClassFolders() throws Exception {
    flowers = Files.createDirectories(root.resolve("flowers"));
    Path tulip = Files.createDirectories(flowers.resolve("tulip"));
    Path rose = Files.createDirectories(flowers.resolve("rose"));
    Files.createDirectories(flowers.resolve("daisy")); // a class with no images keeps its label

    BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        grey.getRaster().setSample(x, y, 0, 40 * y + 10 * x + 5);
      }
    }
    ImageIO.write(grey, "png", rose.resolve("a.png").toFile());

    BufferedImage rgb = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
    rgb.setRGB(0, 0, 0xFF102030);
    rgb.setRGB(1, 0, 0x80405060); // half transparent: alpha is dropped
    rgb.setRGB(0, 1, 0xFFFFFFFF);
    rgb.setRGB(1, 1, 0xFF000000);
    ImageIO.write(rgb, "png", tulip.resolve("b.PNG").toFile());

    BufferedImage deep = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
    deep.getRaster().setSample(0, 0, 0, 65535);
    deep.getRaster().setSample(1, 0, 0, 257 * 100);
    ImageIO.write(deep, "png", tulip.resolve("c.png").toFile());

    Files.write(tulip.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
    Files.writeString(tulip.resolve("notes.txt"), "not an image");
    Files.writeString(flowers.resolve("README.png"), "not in a class folder");
  }

  @Test
  void classFoldersSortedByNameGiveTheLabels() throws Exception {
    ImageFolderDataset ds = ImageFolderDataset.open(flowers, Split.TRAIN);

    assertThat(ds.classes()).containsExactly("daisy", "rose", "tulip");
    assertThat(ds.size()).isEqualTo(4);
    assertThat(ds.source()).isEqualTo("flowers/train");
    assertThat(ds.id(0)).isEqualTo("flowers/train/rose/a.png");
    assertThat(ds.id(1)).isEqualTo("flowers/train/tulip/b.PNG");
    assertThat(ds.id(2)).isEqualTo("flowers/train/tulip/broken.jpg");
    assertThat(ds.id(3)).isEqualTo("flowers/train/tulip/c.png");
  }

  @Test
  void imagesTravelAsTheirFileBytesAndTheJobDecodesThemToOneOrThreeChannels() throws Exception {
    ImageFolderDataset ds = ImageFolderDataset.open(flowers, Split.TEST);

    DatasetImage a = ds.image(0);
    assertThat(a.label()).isEqualTo(1);
    assertThat(a.encoding()).isEqualTo(ImageEncoding.PNG);
    assertThat(a.pixels()).isEqualTo(Files.readAllBytes(flowers.resolve("rose/a.png")));
    assertThat(a.height()).isEqualTo(2);
    assertThat(a.width()).isEqualTo(3);
    assertThat(a.channels()).isEqualTo(1);
    assertThat(decoded(a).data()).containsExactly(5, 15, 25, 45, 55, 65);
    assertThat(a.attributes()).containsEntry("class", "rose").containsEntry("file", "rose/a.png");

    DatasetImage b = ds.image(1);
    assertThat(b.label()).isEqualTo(2);
    assertThat(b.channels()).isEqualTo(3);
    assertThat(decoded(b).data())
        .containsExactly(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0xFF, 0xFF, 0xFF, 0, 0, 0);

    DatasetImage c = ds.image(3);
    assertThat(c.channels()).isEqualTo(1);
    assertThat(decoded(c).data()).containsExactly(0xFF, 100);
  }

  /** The job's decoder on what the replay sends. */
  private static U8Image decoded(DatasetImage img) throws Exception {
    U8Image u =
        ImageDecoder.decode(img.pixels(), img.encoding(), img.height(), img.width(), 1 << 20);
    assertThat(u.channels()).as("the header's channels").isEqualTo(img.channels());
    return u;
  }

  @Test
  void aFileThatCannotBeDecodedIsReportedAndTheRestIsReplayed() throws Exception {
    ImageFolderDataset ds = ImageFolderDataset.open(flowers, Split.TRAIN);
    assertThatThrownBy(() -> ds.image(2))
        .isInstanceOf(UnreadableImageException.class)
        .hasMessageContaining("broken.jpg");

    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
    List<String> skipped = new ArrayList<>();
    ReplaySummary s =
        DatasetReplayer.replay(
            ReplaySpec.builder().setDataset(ds).setTopic("flowers").build(),
            producer,
            new ProgressListener() {
              @Override
              public void onSkipped(String imageId, String reason) {
                skipped.add(imageId);
              }
            });

    assertThat(s.records()).isEqualTo(3);
    // broken.jpg, and notes.txt: a file of a class folder is never dropped silently
    assertThat(s.failed()).isEqualTo(2);
    assertThat(skipped)
        .containsExactly("flowers/train/tulip/notes.txt", "flowers/train/tulip/broken.jpg");
    assertThat(s.line()).endsWith(" not_png_or_jpeg=1 unreadable=1");
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    List<String> ids = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> r : producer.history()) {
      LabeledImage img = codec.decode(r.value());
      ids.add(img.getId());
      if (img.getId().endsWith("a.png")) {
        assertThat(img.getEncoding()).isEqualTo(ImageEncoding.PNG);
        assertThat(bytes(img.getPixels()))
            .isEqualTo(Files.readAllBytes(flowers.resolve("rose/a.png")));
        assertThat(img.getHeight()).isEqualTo(2);
        assertThat(img.getWidth()).isEqualTo(3);
        assertThat(img.getChannels()).isEqualTo(1);
      }
    }
    assertThat(ids)
        .containsExactlyInAnyOrder(
            "flowers/train/rose/a.png", "flowers/train/tulip/b.PNG", "flowers/train/tulip/c.png");
  }

  @Test
  void aLargePhotoTravelsAsItsJpegBytes() throws Exception {
    Path photos = Files.createDirectories(root.resolve("photos").resolve("street"));
    BufferedImage photo = new BufferedImage(500, 375, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 375; y++) {
      for (int x = 0; x < 500; x++) {
        photo.setRGB(x, y, ((x * 7) & 0xff) << 16 | ((y * 5) & 0xff) << 8 | ((x ^ y) & 0xff));
      }
    }
    ImageIO.write(photo, "jpeg", photos.resolve("p.jpg").toFile());
    BufferedImage grey = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
    ImageIO.write(grey, "jpeg", photos.resolve("q.JPEG").toFile());
    ImageFolderDataset ds = ImageFolderDataset.open(root.resolve("photos"), Split.TRAIN);

    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
    ReplaySummary s =
        DatasetReplayer.replay(
            ReplaySpec.builder().setDataset(ds).setTopic("photos").optFileOrder().build(),
            producer,
            ProgressListener.NONE);

    assertThat(s.records()).isEqualTo(2);
    assertThat(s.failed()).isZero();
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    LabeledImage p = codec.decode(producer.history().get(0).value());
    byte[] file = Files.readAllBytes(photos.resolve("p.jpg"));
    assertThat(p.getEncoding()).isEqualTo(ImageEncoding.JPEG);
    assertThat(bytes(p.getPixels())).isEqualTo(file);
    assertThat(file.length).as("compressed, not 500x375x3 raw").isLessThan(500 * 375 * 3 / 4);
    assertThat(p.getHeight()).isEqualTo(375);
    assertThat(p.getWidth()).isEqualTo(500);
    assertThat(p.getChannels()).isEqualTo(3);
    LabeledImage q = codec.decode(producer.history().get(1).value());
    assertThat(q.getEncoding()).isEqualTo(ImageEncoding.JPEG);
    assertThat(q.getChannels()).isEqualTo(1);
    assertThat(q.getHeight()).isEqualTo(30);
  }

  @Test
  void headersClaiming30000x30000AreRefusedByTheReplayWithTheJobsLimit() throws Exception {
    Path huge = Files.createDirectories(root.resolve("huge").resolve("big"));
    Files.write(huge.resolve("a.png"), pngHeaderOnly(30000, 30000));
    Files.write(huge.resolve("b.jpg"), jpegHeaderOnly(30000, 30000));
    BufferedImage small = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    ImageIO.write(small, "png", huge.resolve("c.png").toFile());
    ImageFolderDataset ds = ImageFolderDataset.open(root.resolve("huge"), Split.TRAIN);

    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
    List<String> reasons = new ArrayList<>();
    ReplaySummary s =
        DatasetReplayer.replay(
            ReplaySpec.builder().setDataset(ds).setTopic("huge").optFileOrder().build(),
            producer,
            new ProgressListener() {
              @Override
              public void onSkipped(String imageId, String reason) {
                reasons.add(imageId + ": " + reason);
              }
            });

    assertThat(s.records()).isEqualTo(1);
    assertThat(s.failed()).isEqualTo(2);
    assertThat(s.line()).endsWith(" oversized=2");
    long limit = TlAlignOptions.MAX_IMAGE_PIXELS.defaultValue();
    assertThat(reasons)
        .containsExactly(
            "huge/train/big/a.png: PNG header says 30000x30000, more than the "
                + limit
                + " pixels allowed",
            "huge/train/big/b.jpg: JPEG header says 30000x30000, more than the "
                + limit
                + " pixels allowed");
  }

  @Test
  void filesOfOtherFormatsAreReportedWhateverTheirNames() throws Exception {
    Path mixed = Files.createDirectories(root.resolve("mixed").resolve("cats"));
    BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
    ImageIO.write(img, "gif", mixed.resolve("a.png").toFile()); // GIF bytes, PNG name
    ImageIO.write(img, "gif", mixed.resolve("b.gif").toFile());
    ImageIO.write(img, "png", mixed.resolve("c.png").toFile());
    ImageFolderDataset ds = ImageFolderDataset.open(root.resolve("mixed"), Split.TRAIN);

    assertThatThrownBy(() -> ds.image(0))
        .isInstanceOf(UnreadableImageException.class)
        .hasMessageContaining("a GIF image, not PNG or JPEG")
        .extracting(e -> ((UnreadableImageException) e).reason())
        .isEqualTo(SkipReason.NOT_PNG_OR_JPEG);
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
    ReplaySummary s =
        DatasetReplayer.replay(
            ReplaySpec.builder().setDataset(ds).setTopic("mixed").optEpochs(2).build(),
            producer,
            ProgressListener.NONE);
    // a.png is read (and refused) in each of the 2 epochs, b.gif is never read: reported once
    assertThat(s.records()).isEqualTo(2);
    assertThat(s.failed()).isEqualTo(3);
    assertThat(s.line()).endsWith(" not_png_or_jpeg=3");
  }

  @Test
  void theHoldOutTakesATenthOfEachClassAtLeastOneFromTwoImagesSeeded() throws Exception {
    Path folder = root.resolve("counts");
    int[] sizes = {1, 2, 9, 15, 25};
    int[] expectedHeld = {0, 1, 1, 2, 3}; // round(n / 10), at least 1 from n = 2
    BufferedImage px = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
    for (int c = 0; c < sizes.length; c++) {
      Path dir = Files.createDirectories(folder.resolve("class" + c));
      for (int i = 0; i < sizes[c]; i++) {
        ImageIO.write(px, "png", dir.resolve(String.format("%03d.png", i)).toFile());
      }
    }

    ImageFolderDataset.HoldOut split = ImageFolderDataset.holdOut(folder, 7);
    assertThat(split.test().countsByClass()).containsExactly(expectedHeld);
    int[] trained = new int[sizes.length];
    for (int c = 0; c < sizes.length; c++) {
      trained[c] = sizes[c] - expectedHeld[c];
    }
    assertThat(split.train().countsByClass()).containsExactly(trained);
    assertThat(split.train().source()).isEqualTo("counts/train");
    assertThat(split.test().source()).isEqualTo("counts/test");
    assertThat(split.test().classes()).isEqualTo(split.train().classes());

    List<String> held = files(split.test());
    Set<String> train = new HashSet<>(files(split.train()));
    assertThat(held).doesNotContainAnyElementsOf(train);
    assertThat(files(ImageFolderDataset.holdOut(folder, 7).test()))
        .as("the same seed holds out the same files")
        .isEqualTo(held);
    boolean differs = false;
    for (long seed = 8; seed < 12 && !differs; seed++) {
      differs = !files(ImageFolderDataset.holdOut(folder, seed).test()).equals(held);
    }
    assertThat(differs).as("another seed holds out other files").isTrue();
  }

  @Test
  void aFolderWithOnlySingleImageClassesCannotBeHeldOut() throws Exception {
    Path folder = Files.createDirectories(root.resolve("singles").resolve("a"));
    ImageIO.write(
        new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY),
        "png",
        folder.resolve("x.png").toFile());
    assertThatThrownBy(() -> ImageFolderDataset.holdOut(root.resolve("singles"), 0))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining("no class with 2 or more images");
  }

  @Test
  void theLayoutIsClassFoldersWithPngOrJpegFiles() throws Exception {
    assertThat(ImageFolderDataset.hasLayout(flowers)).isTrue();
    Path flat = Files.createDirectories(root.resolve("flat"));
    Files.writeString(flat.resolve("a.png"), "x");
    assertThat(ImageFolderDataset.hasLayout(flat)).as("images not in class folders").isFalse();
    Files.createDirectories(flat.resolve("docs"));
    Files.writeString(flat.resolve("docs").resolve("readme.txt"), "x");
    assertThat(ImageFolderDataset.hasLayout(flat)).as("class folders without images").isFalse();
    assertThat(ImageFolderDataset.hasLayout(root.resolve("missing"))).isFalse();
  }

  private static List<String> files(ImageFolderDataset ds) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < ds.size(); i++) {
      out.add(ds.image(i).attributes().get("file"));
    }
    return out;
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  /** The PNG signature and an IHDR of 8-bit grey, with its CRC, and nothing else. */
  static byte[] pngHeaderOnly(int width, int height) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream chunk = new ByteArrayOutputStream();
    DataOutputStream c = new DataOutputStream(chunk);
    c.writeBytes("IHDR");
    c.writeInt(width);
    c.writeInt(height);
    c.write(new byte[] {8, 0, 0, 0, 0});
    out.writeInt(13);
    out.write(chunk.toByteArray());
    CRC32 crc = new CRC32();
    crc.update(chunk.toByteArray());
    out.writeInt((int) crc.getValue());
    return bytes.toByteArray();
  }

  /** SOI, a baseline SOF0 of 3 components and an SOS, without tables or scan data. */
  static byte[] jpegHeaderOnly(int width, int height) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeShort(0xFFD8);
    out.writeShort(0xFFC0);
    out.writeShort(8 + 3 * 3);
    out.writeByte(8);
    out.writeShort(height);
    out.writeShort(width);
    out.writeByte(3);
    for (int id = 1; id <= 3; id++) {
      out.writeByte(id);
      out.writeByte(0x11);
      out.writeByte(0);
    }
    // SOS: libjpeg reads the header up to the start of the scan
    out.writeShort(0xFFDA);
    out.writeShort(6 + 2 * 3);
    out.writeByte(3);
    for (int id = 1; id <= 3; id++) {
      out.writeByte(id);
      out.writeByte(0);
    }
    out.write(new byte[] {0, 63, 0});
    return bytes.toByteArray();
  }

  @Test
  void aFolderWithoutClassFoldersOrImagesIsRefused() throws Exception {
    Path empty = Files.createDirectories(root.resolve("empty"));
    assertThatThrownBy(() -> ImageFolderDataset.open(empty, Split.TRAIN))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining("no class folders");
    Files.createDirectories(empty.resolve("cats"));
    assertThatThrownBy(() -> ImageFolderDataset.open(empty, Split.TRAIN))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining("[cats] hold no *.png, *.jpg or *.jpeg files");
  }
}
