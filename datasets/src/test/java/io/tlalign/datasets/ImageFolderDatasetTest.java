package io.tlalign.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
  void greyPngsAreOneChannelAndColourPngsThreeExactly() throws Exception {
    ImageFolderDataset ds = ImageFolderDataset.open(flowers, Split.TEST);

    DatasetImage a = ds.image(0);
    assertThat(a.label()).isEqualTo(1);
    assertThat(a.height()).isEqualTo(2);
    assertThat(a.width()).isEqualTo(3);
    assertThat(a.channels()).isEqualTo(1);
    assertThat(a.pixels()).containsExactly(5, 15, 25, 45, 55, 65);
    assertThat(a.attributes()).containsEntry("class", "rose").containsEntry("file", "rose/a.png");

    DatasetImage b = ds.image(1);
    assertThat(b.label()).isEqualTo(2);
    assertThat(b.channels()).isEqualTo(3);
    assertThat(b.pixels())
        .containsExactly(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0xFF, 0xFF, 0xFF, 0, 0, 0);

    DatasetImage c = ds.image(3);
    assertThat(c.channels()).isEqualTo(1);
    assertThat(c.pixels()).containsExactly(0xFF, 100);
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
    assertThat(s.failed()).isEqualTo(1);
    assertThat(skipped).containsExactly("flowers/train/tulip/broken.jpg");
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    List<String> ids = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> r : producer.history()) {
      LabeledImage img = codec.decode(r.value());
      ids.add(img.getId());
      if (img.getId().endsWith("a.png")) {
        ByteBuffer px = img.getPixels();
        assertThat(px.remaining()).isEqualTo(6);
        assertThat(px.get(5)).isEqualTo((byte) 65);
      }
    }
    assertThat(ids)
        .containsExactlyInAnyOrder(
            "flowers/train/rose/a.png", "flowers/train/tulip/b.PNG", "flowers/train/tulip/c.png");
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
