package io.tlalign.job.settings;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.optim.AdamWConfig;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import io.tlalign.model.weights.IncompatibleWeightsException;
import io.tlalign.model.weights.PretrainedWeights;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.flink.configuration.ReadableConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training operator's settings as a small serializable value, read once from the job's {@link
 * TlAlignOptions} on the client and shipped with the operator.
 */
public record TrainerSettings(
    String preset,
    int numClasses,
    long seed,
    double learningRate,
    long warmupSteps,
    long totalSteps,
    TargetMode targetMode,
    double labelSmoothing,
    int intraOpThreads,
    boolean ledger,
    int metricsEvery,
    String initFrom,
    DataConfig data)
    implements Serializable {

  private static final Logger LOG = LoggerFactory.getLogger(TrainerSettings.class);

  public static TrainerSettings from(ReadableConfig c) {
    return new TrainerSettings(
        c.get(TlAlignOptions.MODEL),
        c.get(TlAlignOptions.NUM_CLASSES),
        c.get(TlAlignOptions.SEED),
        c.get(TlAlignOptions.LEARNING_RATE),
        c.get(TlAlignOptions.WARMUP_STEPS),
        c.get(TlAlignOptions.TOTAL_STEPS),
        c.get(TlAlignOptions.MIXING),
        c.get(TlAlignOptions.LABEL_SMOOTHING),
        c.get(TlAlignOptions.INTRA_OP_THREADS),
        c.get(TlAlignOptions.LEDGER),
        c.get(TlAlignOptions.METRICS_EVERY),
        c.getOptional(TlAlignOptions.INIT_FROM).filter(s -> !s.isBlank()).orElse(null),
        dataConfig(VitPresets.byName(c.get(TlAlignOptions.MODEL)), c));
  }

  /**
   * The preset's data config with the options that override it ({@code tlalign.mean}, {@code std},
   * {@code crop-pct}, {@code interpolation}; {@code tlalign.scale} turns RandomResizedCrop on), as
   * timm's {@code resolve_data_config}.
   */
  public static DataConfig dataConfig(VitConfig model, ReadableConfig conf) {
    DataConfig d = VitPresets.dataConfig(model);
    Optional<List<Double>> mean = conf.getOptional(TlAlignOptions.MEAN);
    if (mean.isPresent()) {
      d = d.withMean(floats(mean.get()));
    }
    Optional<List<Double>> std = conf.getOptional(TlAlignOptions.STD);
    if (std.isPresent()) {
      d = d.withStd(floats(std.get()));
    }
    Optional<Double> cropPct = conf.getOptional(TlAlignOptions.CROP_PCT);
    if (cropPct.isPresent()) {
      d = d.withCropPct(cropPct.get());
    }
    Optional<DataConfig.Interpolation> interpolation =
        conf.getOptional(TlAlignOptions.INTERPOLATION);
    if (interpolation.isPresent()) {
      d = d.withInterpolation(interpolation.get());
    }
    if (conf.getOptional(TlAlignOptions.SCALE).isPresent()) {
      d = d.withRandomResizedCrop(true);
    }
    return d;
  }

  private static float[] floats(List<Double> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
  }

  public VitConfig model() {
    return VitPresets.byName(preset).withNumClasses(numClasses);
  }

  public TrainingConfig trainingConfig() {
    AdamWConfig opt =
        AdamWConfig.defaults()
            .withPeakLearningRate(learningRate)
            .withSchedule(warmupSteps, totalSteps);
    return new TrainingConfig(model(), seed, opt, targetMode, labelSmoothing, data);
  }

  /** These settings starting from the weights at {@code path} (null: seeded initialisation). */
  public TrainerSettings withInitFrom(String path) {
    return new TrainerSettings(
        preset,
        numClasses,
        seed,
        learningRate,
        warmupSteps,
        totalSteps,
        targetMode,
        labelSmoothing,
        intraOpThreads,
        ledger,
        metricsEvery,
        path,
        data);
  }

  /**
   * Reads the {@code tlalign.init-from} weights for this model strictly; the client calls it before
   * submitting, so that weights that do not fit fail the command and not the job's restarts.
   *
   * @return null when no weights are set
   * @throws IncompatibleWeightsException listing missing, unexpected and mismatched names
   * @throws UncheckedIOException naming the file when it cannot be read
   */
  public PretrainedWeights.Loaded loadInitialWeights() {
    if (initFrom == null) {
      return null;
    }
    try {
      return PretrainedWeights.load(Path.of(initFrom), model(), seed);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "tlalign.init-from " + initFrom + " cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * Starts the engine with this job's thread count and opens the training session on GPU {@code
   * gpuIndex} (or the CPU where it is negative or missing), restored from {@code restored} unless
   * that is null, else from the {@code tlalign.init-from} weights where they are set. The streaming
   * job's training operator and the Flink ML fit both open it here.
   */
  public TrainingSession openSession(int gpuIndex, TrainingState restored) {
    Engine engine = EngineSetup.start(EngineOptions.defaults().withThreads(threads(), 1));
    Device device = EngineSetup.selectDevice(engine, gpuIndex);
    if (restored != null) {
      return TrainingSession.fromState(trainingConfig(), device, restored);
    }
    PretrainedWeights.Loaded weights = loadInitialWeights();
    if (weights == null) {
      return TrainingSession.create(trainingConfig(), device);
    }
    for (String note : weights.notes()) {
      LOG.info("init-from {}: {}", initFrom, note);
    }
    return TrainingSession.fromWeights(trainingConfig(), device, weights.parameters());
  }

  /** Intra-op threads for the engine: the setting, or the machine's cores when it is 0. */
  public int threads() {
    return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
  }
}
