package io.tlalign.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Reads real Fashion-MNIST: the tests' subset in the repository always; the full dataset of the
 * Debian package dataset-fashion-mnist where it is installed (the tests that need it are skipped
 * elsewhere).
 */
class FashionMnistTest {

  private static void needsTheFullDataset() {
    assumeTrue(
        Files.isDirectory(FashionMnist.DEFAULT_FOLDER),
        "dataset-fashion-mnist is not installed in " + FashionMnist.DEFAULT_FOLDER);
  }

  @Test
  void theSubsetHasTheFirst3000TrainAnd1000TestImagesReadStraightFromItsBytes() throws Exception {
    Path dir = FashionMnistSubset.folder();
    IdxDataset train = FashionMnist.open(dir, Split.TRAIN);
    IdxDataset test = FashionMnist.open(dir, Split.TEST);

    assertThat(train.size()).isEqualTo(FashionMnistSubset.TRAIN_IMAGES);
    assertThat(test.size()).isEqualTo(FashionMnistSubset.TEST_IMAGES);
    assertThat(train.height()).isEqualTo(28);
    assertThat(train.width()).isEqualTo(28);
    assertThat(train.channels()).isEqualTo(1);
    assertThat(train.source()).isEqualTo("fashion-mnist/train");
    assertThat(test.image(FashionMnistSubset.TEST_IMAGES - 1).id())
        .isEqualTo("fashion-mnist/test/000999");

    int n = FashionMnistSubset.TRAIN_IMAGES;
    byte[] labels = gunzip(FashionMnist.labelFile(dir, Split.TRAIN), 8 + n);
    byte[] images = gunzip(FashionMnist.imageFile(dir, Split.TRAIN), 16 + n * 784);
    assertThat(labels).hasSize(8 + n);
    assertThat(images).hasSize(16 + n * 784);
    int[] counts = new int[10];
    for (int i = 0; i < n; i += 7) {
      assertThat(train.label(i)).isEqualTo(labels[8 + i] & 0xff);
      assertThat(train.image(i).pixels())
          .isEqualTo(java.util.Arrays.copyOfRange(images, 16 + i * 784, 16 + (i + 1) * 784));
    }
    for (int i = 0; i < test.size(); i++) {
      counts[test.label(i)]++;
    }
    assertThat(counts).as("every class is among the first 1,000 test images").doesNotContain(0);
  }

  @Test
  void theSubsetIsTheStartOfTheFullDatasetWhereThatIsInstalled() throws Exception {
    needsTheFullDataset();
    for (Split split : Split.values()) {
      IdxDataset sub = FashionMnist.open(FashionMnistSubset.folder(), split);
      IdxDataset full = FashionMnist.open(FashionMnist.DEFAULT_FOLDER, split);
      for (int i = 0; i < sub.size(); i++) {
        assertThat(sub.image(i).id()).isEqualTo(full.image(i).id());
        assertThat(sub.label(i)).as("label %d of %s", i, split).isEqualTo(full.label(i));
        assertThat(sub.image(i).pixels())
            .as("image %d of %s", i, split)
            .isEqualTo(full.image(i).pixels());
      }
    }
  }

  @Test
  void theTrainSplitHas60000GreyImagesOf28By28() throws Exception {
    needsTheFullDataset();
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
    needsTheFullDataset();
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
