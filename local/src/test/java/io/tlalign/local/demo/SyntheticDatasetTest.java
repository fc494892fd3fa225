package io.tlalign.local.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.Split;
import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {

  @Test
  void imagesAreDeterministic28x28WithTenClassesAndLabelledAsGenerated() {
    SyntheticDataset d = new SyntheticDataset(Split.TRAIN, 100);
    DatasetImage a = d.image(13);
    assertThat(a.pixels()).hasSize(28 * 28).isEqualTo(d.image(13).pixels());
    assertThat(a.label()).isEqualTo(3);
    assertThat(a.id()).startsWith("generated/train/");
    assertThat(d.source()).isEqualTo("generated/train");
    assertThat(DemoData.synthetic().description()).contains("GENERATED");
    assertThat(DemoData.synthetic().generated()).isTrue();
  }

  @Test
  void aFolderWithoutTheFilesIsNotData(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    assertThat(DemoData.hasFiles(dir)).isFalse();
    assertThat(DemoData.hasFiles(null)).isFalse();
  }
}
