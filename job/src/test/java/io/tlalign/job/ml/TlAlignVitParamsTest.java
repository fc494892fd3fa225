package io.tlalign.job.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.model.servable.TlAlignVitModelServable;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.ml.param.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Params of the estimator, the model and the servable: defaults, validation, save and load. */
class TlAlignVitParamsTest {

  @TempDir Path tmp;

  @Test
  void trainingDefaultsAreTheStreamingJobsDefaults() {
    TlAlignVitClassifier c = new TlAlignVitClassifier();
    assertThat(c.getPreset()).isEqualTo(TlAlignOptions.MODEL.defaultValue());
    assertThat(c.getNumClasses()).isEqualTo(TlAlignOptions.NUM_CLASSES.defaultValue());
    assertThat(c.getMixing()).isEqualTo(TlAlignOptions.MIXING.defaultValue().toString());
    assertThat(c.getCutMixAlpha()).isEqualTo(TlAlignOptions.CUTMIX_ALPHA.defaultValue());
    assertThat(c.getLabelSmoothing()).isEqualTo(TlAlignOptions.LABEL_SMOOTHING.defaultValue());
    assertThat(c.getBatchSize()).isEqualTo(TlAlignOptions.BATCH_SIZE.defaultValue());
    assertThat(c.getLearningRate()).isEqualTo(TlAlignOptions.LEARNING_RATE.defaultValue());
    assertThat(c.getWarmupSteps()).isEqualTo(TlAlignOptions.WARMUP_STEPS.defaultValue());
    assertThat(c.getSeed()).isEqualTo(TlAlignOptions.SEED.defaultValue());
    assertThat(c.getAugment()).isEqualTo(TlAlignOptions.AUGMENT.defaultValue());
    assertThat(c.getEpochs()).isEqualTo(1);
  }

  @Test
  void transformAndInitFromDefaultsAreTheStreamingJobsOptions() {
    TlAlignVitClassifier c = new TlAlignVitClassifier();
    assertThat(c.getHflip()).isEqualTo(TlAlignOptions.HFLIP.defaultValue());
    // Options without a default (the preset's data config applies) are null Params.
    assertThat(TlAlignOptions.INIT_FROM.hasDefaultValue()).isFalse();
    assertThat(c.getInitFrom()).isNull();
    for (var option :
        java.util.List.of(
            TlAlignOptions.SCALE,
            TlAlignOptions.RATIO,
            TlAlignOptions.CROP_PCT,
            TlAlignOptions.INTERPOLATION,
            TlAlignOptions.MEAN,
            TlAlignOptions.STD)) {
      assertThat(option.hasDefaultValue()).as(option.key()).isFalse();
    }
    assertThat(c.getScale()).isNull();
    assertThat(c.getRatio()).isNull();
    assertThat(c.getCropPct()).isNull();
    assertThat(c.getInterpolation()).isNull();
    assertThat(c.getMean()).isNull();
    assertThat(c.getStd()).isNull();
    // Set, they reach the job's options the fit's settings are read from.
    var conf =
        c.setInitFrom("/w/model.safetensors")
            .setScale(0.5, 1.0)
            .setRatio(0.5, 2.0)
            .setHflip(0.0)
            .setCropPct(0.9)
            .setInterpolation("Bilinear")
            .setMean(0.2)
            .setStd(0.3)
            .options(100);
    assertThat(conf.get(TlAlignOptions.INIT_FROM)).isEqualTo("/w/model.safetensors");
    assertThat(conf.get(TlAlignOptions.SCALE)).containsExactly(0.5, 1.0);
    assertThat(conf.get(TlAlignOptions.RATIO)).containsExactly(0.5, 2.0);
    assertThat(conf.get(TlAlignOptions.HFLIP)).isEqualTo(0.0);
    assertThat(conf.get(TlAlignOptions.CROP_PCT)).isEqualTo(0.9);
    assertThat(conf.get(TlAlignOptions.INTERPOLATION))
        .isEqualTo(io.tlalign.model.vit.DataConfig.Interpolation.BILINEAR);
    assertThat(conf.get(TlAlignOptions.MEAN)).containsExactly(0.2);
    assertThat(conf.get(TlAlignOptions.STD)).containsExactly(0.3);
  }

  @Test
  void columnDefaultsFollowFlinkMlNames() {
    TlAlignVitClassifier c = new TlAlignVitClassifier();
    assertThat(c.getFeaturesCol()).isEqualTo("features");
    assertThat(c.getLabelCol()).isEqualTo("label");
    assertThat(c.getIdCol()).isNull();
    assertThat(c.getPredictionCol()).isEqualTo("prediction");
    assertThat(c.getProbabilityCol()).isEqualTo("probability");
    assertThat(c.getRawPredictionCol()).isEqualTo("rawPrediction");
    TlAlignVitModelServable s = new TlAlignVitModelServable();
    assertThat(s.getParamMap()).isEqualTo(new TlAlignVitModel().getParamMap());
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void everyDefaultPassesItsOwnValidator() {
    for (Map<Param<?>, Object> params :
        java.util.List.of(
            new TlAlignVitClassifier().getParamMap(), new TlAlignVitModel().getParamMap())) {
      for (Map.Entry<Param<?>, Object> e : params.entrySet()) {
        Param p = e.getKey();
        assertThat(p.validator.validate(e.getValue())).as(p.name).isTrue();
      }
    }
  }

  @Test
  void aBadValueIsRefusedNamingTheParamTheValueAndWhatIsAccepted() {
    TlAlignVitClassifier c = new TlAlignVitClassifier();
    assertThatThrownBy(() -> c.setBatchSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Parameter batchSize is given an invalid value 0; it must be a number >= 1, e.g. 128");
    assertThatThrownBy(() -> c.setMixing("mixup"))
        .hasMessage(
            "Parameter mixing is given an invalid value \"mixup\"; it must be one of none, cutmix,"
                + " tlalign");
    assertThatThrownBy(() -> c.setPreset("vit-huge"))
        .hasMessage(
            "Parameter preset is given an invalid value \"vit-huge\"; it must be one of"
                + " vit-tiny-fm, deit-tiny, deit-small, deit-base");
    assertThatThrownBy(() -> c.setLabelSmoothing(1.0))
        .hasMessage(
            "Parameter labelSmoothing is given an invalid value 1.0; it must be a number in [0, 1),"
                + " e.g. 0.1");
    assertThatThrownBy(() -> c.setCutMixAlpha(0.0))
        .hasMessageContaining("cutMixAlpha is given an invalid value 0.0; it must be a number > 0");
    assertThatThrownBy(() -> c.setLearningRate(-1e-3))
        .hasMessageContaining("learningRate is given an invalid value -0.001");
    assertThatThrownBy(() -> c.setWarmupSteps(-1L))
        .hasMessageContaining("warmupSteps is given an invalid value -1; it must be a number >= 0");
    assertThatThrownBy(() -> c.setEpochs(0))
        .hasMessageContaining("epochs is given an invalid value 0; it must be a number >= 1");
    assertThatThrownBy(() -> c.setNumClasses(1))
        .hasMessageContaining("numClasses is given an invalid value 1; it must be a number >= 2");
    assertThatThrownBy(() -> c.setFeaturesCol(" "))
        .hasMessageContaining("it must be a column name that is not blank");
    assertThatThrownBy(() -> c.setSeed(null))
        .hasMessage("Parameter seed is given an invalid value null; it must be a value (not null)");
    assertThatThrownBy(() -> new TlAlignVitModelServable().setBatchSize(-5))
        .hasMessageContaining("batchSize is given an invalid value -5");
    // Nothing changed by the refused calls.
    assertThat(c.getParamMap()).isEqualTo(new TlAlignVitClassifier().getParamMap());
    // Mixed case and blanks are accepted, as by the streaming job's option.
    assertThat(c.setMixing(" CutMix ").getMixing()).isEqualTo(" CutMix ");
  }

  @Test
  void anEstimatorSavesAndLoadsWithItsParams() throws Exception {
    TlAlignVitClassifier c =
        new TlAlignVitClassifier()
            .setMixing("cutmix")
            .setBatchSize(32)
            .setEpochs(3)
            .setSeed(42L)
            .setLearningRate(5e-4)
            .setIdCol("key")
            .setAugment(false);
    String path = tmp.resolve("estimator").toString();
    c.save(path);
    TlAlignVitClassifier loaded = TlAlignVitClassifier.load(null, path);
    assertThat(loaded.getParamMap()).isEqualTo(c.getParamMap());
    assertThat(loaded.getMixing()).isEqualTo("cutmix");
    assertThat(loaded.getIdCol()).isEqualTo("key");
    assertThatThrownBy(() -> c.save(path)).hasMessageContaining("already exists");
  }
}
