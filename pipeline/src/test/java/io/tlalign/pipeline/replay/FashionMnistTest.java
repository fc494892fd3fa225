package io.tlalign.pipeline.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the real Fashion-MNIST from the Debian package (installed here and in CI). */
class FashionMnistTest {

  @BeforeAll
  static void needsTheDataset() {
    assumeTrue(
        Files.isDirectory(FashionMnist.DEFAULT_FOLDER),
        "dataset-fashion-mnist is not installed in " + FashionMnist.DEFAULT_FOLDER);
  }

  @Test
  void theTrainSplitHas60000GreyImagesOf28By28() throws Exception {
    IdxDataset train = FashionMnist.open(FashionMnist.DEFAULT_FOLDER, Split.TRAIN);

    assertThat(train.size()).isEqualTo(60_000);
    assertThat(train.height()).isEqualTo(28);
    assertThat(train.width()).isEqualTo(28);
    assertThat(train.channels()).isEqualTo(1);
    assertThat(train.source()).isEqualTo("fashion-mnist/train");

    // The first label and image, read straight from the gzipped bytes: header 8 and 16 bytes.
    byte[] labels = gunzip(FashionMnist.labelFile(FashionMnist.DEFAULT_FOLDER, Split.TRAIN), 9);
    byte[] images =
        gunzip(FashionMnist.imageFile(FashionMnist.DEFAULT_FOLDER, Split.TRAIN), 16 + 784);
    DatasetImage first = train.image(0);
    assertThat(first.id()).isEqualTo("fashion-mnist/train/000000");
    assertThat(first.label()).isEqualTo(labels[8] & 0xff);
    assertThat(first.pixels()).isEqualTo(java.util.Arrays.copyOfRange(images, 16, 16 + 784));
    assertThat(first.attributes())
        .containsEntry("class", FashionMnist.CLASS_NAMES.get(first.label()));
  }

  @Test
  void theTestSplitHas10000ImagesWithLabelsInRange() throws Exception {
    IdxDataset test = FashionMnist.open(FashionMnist.DEFAULT_FOLDER, Split.TEST);

    assertThat(test.size()).isEqualTo(10_000);
    int[] counts = new int[10];
    for (int i = 0; i < test.size(); i++) {
      counts[test.label(i)]++;
    }
    assertThat(counts).containsOnly(1000); // Fashion-MNIST's test split is balanced
    assertThat(test.image(9_999).id()).isEqualTo("fashion-mnist/test/009999");
  }

  private static byte[] gunzip(Path file, int bytes) throws Exception {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      return in.readNBytes(bytes);
    }
  }
}
