package io.tlalign.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {

  @TempDir Path dir;

  @Test
  void findsTheSplitsPairInAFolderAndServesImagesWithStableIds() throws Exception {
    IdxFixtures.writePair(dir, "train", 12, 3, 2, true);
    IdxFixtures.writePair(dir, "t10k", 5, 3, 2, false);

    IdxDataset train = IdxDataset.inFolder("tiny", Split.TRAIN, dir, List.of());
    IdxDataset test = IdxDataset.inFolder("tiny", Split.TEST, dir, List.of());

    assertThat(train.size()).isEqualTo(12);
    assertThat(test.size()).isEqualTo(5);
    assertThat(train.source()).isEqualTo("tiny/train");
    DatasetImage img = train.image(11);
    assertThat(img.id()).isEqualTo("tiny/train/000011");
    assertThat(img.label()).isEqualTo(1);
    assertThat(img.height()).isEqualTo(3);
    assertThat(img.width()).isEqualTo(2);
    assertThat(img.channels()).isEqualTo(1);
    assertThat(img.pixels()).isEqualTo(Arrays.copyOfRange(IdxFixtures.pixels(12, 3, 2), 66, 72));
    assertThat(img.attributes()).containsEntry("index", "11");
    assertThat(test.image(4).id()).isEqualTo("tiny/test/000004");
  }

  @Test
  void anImageFileFindsItsLabelFileByName() throws Exception {
    IdxFixtures.writePair(dir, "train", 4, 2, 2, false);
    IdxDataset ds =
        IdxDataset.forImageFile("mine", Split.TRAIN, dir.resolve("train-images-idx3-ubyte"));
    assertThat(ds.size()).isEqualTo(4);
    assertThat(ds.label(3)).isEqualTo(3);

    Files.delete(dir.resolve("train-labels-idx1-ubyte"));
    assertThatThrownBy(
            () ->
                IdxDataset.forImageFile(
                    "mine", Split.TRAIN, dir.resolve("train-images-idx3-ubyte")))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("train-labels-idx1-ubyte");
  }

  @Test
  void classNamesBecomeAnAttribute() throws Exception {
    IdxFixtures.writePair(dir, "train", 3, 1, 1, false);
    IdxDataset ds =
        IdxDataset.inFolder(
            "n",
            Split.TRAIN,
            dir,
            List.of("zero", "one", "two", "3", "4", "5", "6", "7", "8", "9"));
    assertThat(ds.image(2).attributes()).containsEntry("class", "two");
  }

  @Test
  void imagesAndLabelsMustAgreeInCount() throws Exception {
    IdxFixtures.write(
        dir.resolve("train-images-idx3-ubyte"), false, new int[] {3, 2, 2}, new byte[12]);
    IdxFixtures.write(dir.resolve("train-labels-idx1-ubyte"), false, new int[] {4}, new byte[4]);
    assertThatThrownBy(() -> IdxDataset.inFolder("n", Split.TRAIN, dir, List.of()))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining("holds 3 images")
        .hasMessageContaining("holds 4 labels");
  }

  @Test
  void aLabelFileInPlaceOfImagesIsRefused() throws Exception {
    IdxFixtures.write(dir.resolve("train-images-idx3-ubyte"), false, new int[] {3}, new byte[3]);
    IdxFixtures.write(dir.resolve("train-labels-idx1-ubyte"), false, new int[] {3}, new byte[3]);
    assertThatThrownBy(() -> IdxDataset.inFolder("n", Split.TRAIN, dir, List.of()))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining("N x height x width");
  }

  @Test
  void aFolderWithoutTheSplitsFilesSaysWhatItLooksFor() throws Exception {
    IdxFixtures.writePair(dir, "train", 2, 1, 1, false);
    assertThatThrownBy(() -> IdxDataset.inFolder("n", Split.TEST, dir, List.of()))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining("no IDX images files of the test split")
        .hasMessageContaining("'t10k-images' or 'test-images'");
  }

  @Test
  void colourIdxImagesHaveThreeChannels() throws Exception {
    IdxFixtures.write(
        dir.resolve("train-images-idx3-ubyte"), false, new int[] {2, 2, 2, 3}, new byte[24]);
    IdxFixtures.write(dir.resolve("train-labels-idx1-ubyte"), false, new int[] {2}, new byte[2]);
    IdxDataset ds = IdxDataset.inFolder("c", Split.TRAIN, dir, List.of());
    assertThat(ds.image(1).channels()).isEqualTo(3);
    assertThat(ds.image(1).pixels()).hasSize(12);
  }
}
