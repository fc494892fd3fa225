package io.tlalign.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.operators.TrainCrop;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitPresets;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class DataConfigOptionsTest {

  @Test
  void withoutOptionsThePresetsDataConfigIsUsed() {
    Configuration c = new Configuration();
    assertThat(TlAlignJob.dataConfig(VitPresets.VIT_TINY_FM, c))
        .isEqualTo(VitPresets.dataConfig(VitPresets.VIT_TINY_FM));
    assertThat(TlAlignJob.dataConfig(VitPresets.VIT_TINY_FM, c).randomResizedCrop()).isFalse();
    assertThat(TlAlignJob.dataConfig(VitPresets.DEIT_TINY, c).randomResizedCrop()).isTrue();
    TrainCrop crop = TlAlignJob.trainCrop(7, c);
    assertThat(crop.scale()).containsExactly(0.08, 1.0);
    assertThat(crop.ratio()).containsExactly(0.75, 4.0 / 3.0);
    assertThat(crop.hflip()).isEqualTo(0.5);
  }

  @Test
  void optionsOverrideThePreset() {
    Configuration c = new Configuration();
    c.setString("tlalign.mean", "0.2");
    c.setString("tlalign.std", "0.3");
    c.setString("tlalign.crop-pct", "0.9");
    c.setString("tlalign.interpolation", "BILINEAR");
    c.setString("tlalign.scale", "0.5;1");
    c.setString("tlalign.ratio", "1;1");
    c.setString("tlalign.hflip", "0");
    DataConfig d = TlAlignJob.dataConfig(VitPresets.VIT_TINY_FM, c);
    assertThat(d.mean()).containsExactly(0.2f);
    assertThat(d.std()).containsExactly(0.3f);
    assertThat(d.cropPct()).isEqualTo(0.9);
    assertThat(d.interpolation()).isEqualTo(DataConfig.Interpolation.BILINEAR);
    assertThat(d.randomResizedCrop()).as("setting tlalign.scale turns the crop on").isTrue();
    TrainCrop crop = TlAlignJob.trainCrop(7, c);
    assertThat(crop.scale()).containsExactly(0.5, 1.0);
    assertThat(crop.ratio()).containsExactly(1.0, 1.0);
    assertThat(crop.hflip()).isZero();
  }

  @Test
  void aMeanWithTheWrongNumberOfChannelsIsRefusedWithBoth() {
    Configuration c = new Configuration();
    c.set(TlAlignOptions.MEAN, List.of(0.1, 0.2, 0.3));
    assertThatThrownBy(() -> TlAlignJob.dataConfig(VitPresets.VIT_TINY_FM, c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one value per channel (1)");
  }

  @Test
  void aScaleOutsideZeroOneIsRefused() {
    Configuration c = new Configuration();
    c.set(TlAlignOptions.SCALE, List.of(0.5, 2.0));
    assertThatThrownBy(() -> TlAlignJob.trainCrop(7, c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scale [0.5, 2.0]");
  }
}
