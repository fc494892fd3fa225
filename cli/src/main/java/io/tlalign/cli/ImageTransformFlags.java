package io.tlalign.cli;

import io.tlalign.job.operators.TrainCrop;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The image transform flags (timm's names), a picocli mixin: each sets its {@code tlalign.*}
 * option; a flag not given leaves the option unset, so the preset's data config applies. Values are
 * checked by the classes that declare them ({@link TrainCrop}, {@link DataConfig}); a bad one is
 * refused naming the flag, the value and an example.
 */
final class ImageTransformFlags {

  @Option(
      names = "--scale",
      split = ",",
      paramLabel = "LO,HI",
      description =
          "RandomResizedCrop area fraction range (tlalign.scale); setting it trains with"
              + " RandomResizedCrop. Default: the preset's (DeiT: 0.08,1).")
  List<Double> scale;

  @Option(
      names = "--ratio",
      split = ",",
      paramLabel = "LO,HI",
      description = "RandomResizedCrop aspect-ratio range (tlalign.ratio). Default: 0.75,1.3333.")
  List<Double> ratio;

  @Option(
      names = "--hflip",
      paramLabel = "P",
      description = "Horizontal flip probability of the training transform (tlalign.hflip).")
  Double hflip;

  @Option(
      names = "--crop-pct",
      paramLabel = "F",
      description =
          "Evaluation crop fraction in (0, 1] (tlalign.crop-pct): resize the shorter side to"
              + " size / F, crop the centre. Default: the preset's (DeiT 0.875, vit-tiny-fm 1).")
  Double cropPct;

  @Option(
      names = "--interpolation",
      paramLabel = "bilinear|bicubic",
      description = "Resize filter (tlalign.interpolation). Default: the preset's (bicubic).")
  DataConfig.Interpolation interpolation;

  @Option(
      names = "--mean",
      split = ",",
      paramLabel = "M[,M,M]",
      description =
          "Normalisation mean per channel (tlalign.mean). Default: the preset's (DeiT: ImageNet's"
              + " 0.485,0.456,0.406; vit-tiny-fm: 0.5).")
  List<Double> mean;

  @Option(
      names = "--std",
      split = ",",
      paramLabel = "S[,S,S]",
      description =
          "Normalisation std per channel (tlalign.std). Default: the preset's (DeiT: ImageNet's"
              + " 0.229,0.224,0.225; vit-tiny-fm: 0.5).")
  List<Double> std;

  /** Sets the options of the flags given. */
  void applyTo(Configuration conf) {
    if (scale != null) {
      conf.set(TlAlignOptions.SCALE, scale);
    }
    if (ratio != null) {
      conf.set(TlAlignOptions.RATIO, ratio);
    }
    if (hflip != null) {
      conf.set(TlAlignOptions.HFLIP, hflip);
    }
    if (cropPct != null) {
      conf.set(TlAlignOptions.CROP_PCT, cropPct);
    }
    if (interpolation != null) {
      conf.set(TlAlignOptions.INTERPOLATION, interpolation);
    }
    if (mean != null) {
      conf.set(TlAlignOptions.MEAN, mean);
    }
    if (std != null) {
      conf.set(TlAlignOptions.STD, std);
    }
  }

  /** Refuses a bad flag value before anything starts, naming the flag, the value and the fix. */
  void check(CommandLine cl, Configuration conf) {
    if (scale != null) {
      refuseIfBad(
          cl,
          "--scale " + join(scale),
          "e.g. --scale 0.08,1",
          () -> new TrainCrop(0, doubles(scale), TrainCrop.DEFAULT_RATIO, 0));
    }
    if (ratio != null) {
      refuseIfBad(
          cl,
          "--ratio " + join(ratio),
          "e.g. --ratio 0.75,1.3333",
          () -> new TrainCrop(0, TrainCrop.DEFAULT_SCALE, doubles(ratio), 0));
    }
    if (hflip != null) {
      refuseIfBad(
          cl,
          "--hflip " + hflip,
          "e.g. --hflip 0.5, or 0 for no flip",
          () -> new TrainCrop(0, TrainCrop.DEFAULT_SCALE, TrainCrop.DEFAULT_RATIO, hflip));
    }
    String preset = conf.get(TlAlignOptions.MODEL);
    if ((cropPct != null || mean != null || std != null)
        && VitPresets.names().contains(preset.trim().toLowerCase(java.util.Locale.ROOT))) {
      VitConfig model = VitPresets.byName(preset);
      refuseIfBad(
          cl,
          "--crop-pct/--mean/--std for " + model.name(),
          "give a crop fraction in (0, 1], and one mean and one std > 0 for each of its "
              + model.channels()
              + " input channels",
          () -> TrainerSettings.dataConfig(model, conf));
    }
  }

  private static void refuseIfBad(CommandLine cl, String what, String fix, Runnable check) {
    try {
      check.run();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, what + ": " + e.getMessage() + "; " + fix);
    }
  }

  private static String join(List<Double> values) {
    return values.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private static double[] doubles(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
