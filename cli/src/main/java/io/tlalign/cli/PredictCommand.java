package io.tlalign.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.NativeArrays;
import io.tlalign.model.NoGrad;
import io.tlalign.model.data.EncodedImages;
import io.tlalign.model.servable.ImagePixels;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.weights.PretrainedWeights;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./tlalign predict}: classifies image files of any size with weights (a model file of this
 * system, or safetensors with timm or Hugging Face names). Each image goes through the evaluation
 * transform and normalisation of the data config the weights were trained with ({@link
 * ImagePixels}; a model file records it, an export's {@code config.json} too, else the preset's),
 * exactly as the job's evaluation prepares images. Each image gets one line: {@code predict:
 * <image> top1=<class> p=<probability>}, then {@code top=<class>:<p>,...} (the K best, best first)
 * when K > 1, then {@code logits=<v0>,<v1>,...} with {@code --logits}. A file that cannot be read
 * gets a line naming it and why; the others are still scored, and the exit code is 1.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = "Classify images: one line 'predict: <image> top1=<idx> p=<prob>' per image.")
final class PredictCommand implements Callable<Integer> {

  @Option(
      names = "--weights",
      required = true,
      paramLabel = "FILE",
      description = "A model file (.tlas), safetensors (timm or Hugging Face names) or a folder.")
  Path weights;

  @Option(
      names = "--model",
      paramLabel = "PRESET",
      description =
          "Preset of safetensors weights (needed unless a config.json beside them names it); a"
              + " model file names its own.")
  String model;

  @Option(
      names = "--top",
      defaultValue = "1",
      paramLabel = "K",
      description = "Classes shown per image (default: ${DEFAULT-VALUE}).")
  int top;

  @Option(
      names = "--crop-pct",
      paramLabel = "F",
      description =
          "Evaluation crop fraction in (0, 1]: the shorter side is resized to size / F, then the"
              + " centre is cropped; default: the weights' data config.")
  Double cropPct;

  @Option(names = "--logits", description = "Also print the logits.")
  boolean logits;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG, JPEG, BMP or GIF files.")
  List<Path> images;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    CommandLine cl = spec.commandLine();
    if (top < 1) {
      throw new CommandLine.ParameterException(
          cl, "--top must be >= 1, got " + top + "; try --top 5");
    }
    if (cropPct != null && !(cropPct > 0 && cropPct <= 1)) {
      throw new CommandLine.ParameterException(
          cl, "--crop-pct must lie in (0, 1], got " + cropPct + "; timm's DeiT uses 0.875");
    }
    PretrainedWeights.AsIs asIs = WeightsFiles.loadAsIs(cl, weights, model);
    VitConfig config = asIs.config();
    DataConfig data = cropPct == null ? asIs.data() : asIs.data().withCropPct(cropPct);
    int k = Math.min(top, config.numClasses());
    PrintWriter out = cl.getOut();
    var engine = EngineSetup.start(EngineOptions.defaults().withThreads(1, 1));
    Device device = EngineSetup.selectDevice(engine, -1);
    boolean failed = false;
    try (TrainingSession session =
            TrainingSession.fromWeights(
                TrainingConfig.defaults(config, 0), device, asIs.weights().parameters());
        NoGrad noGrad = NoGrad.enter()) {
      for (Path image : images) {
        float[] pixels = new float[config.pixelsPerImage()];
        try {
          ImagePixels.toModelInput(
              EncodedImages.decode(Files.readAllBytes(image), EncodedImages.DEFAULT_MAX_PIXELS),
              data,
              pixels,
              0);
        } catch (IOException e) {
          out.println("predict: " + image + " failed: " + why(e));
          failed = true;
          continue;
        }
        float[] row;
        float[] probs;
        try (NDManager sm = session.model().newStepManager()) {
          NDArray x = NativeArrays.copyOf(sm, pixels, session.model().network().inputShape(1));
          NDArray z = session.model().forward(x, false).get(0); // [1, K]
          row = z.toFloatArray();
          probs = z.softmax(-1).toFloatArray();
        }
        out.println(line(image, probs, row, k));
      }
    }
    out.flush();
    return failed ? 1 : 0;
  }

  private static String why(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private String line(Path image, float[] probs, float[] row, int k) {
    int[] best = bestFirst(probs, k);
    StringBuilder b = new StringBuilder("predict: ").append(image);
    b.append(String.format(Locale.ROOT, " top1=%d p=%.4f", best[0], probs[best[0]]));
    if (k > 1) {
      b.append(" top=");
      for (int r = 0; r < k; r++) {
        b.append(
            String.format(Locale.ROOT, r == 0 ? "%d:%.4f" : ",%d:%.4f", best[r], probs[best[r]]));
      }
    }
    if (logits) {
      b.append(" logits=");
      for (int c = 0; c < row.length; c++) {
        b.append(c == 0 ? "" : ",").append(row[c]);
      }
    }
    return b.toString();
  }

  /** The {@code k} classes of highest probability, best first (the lower index on a tie). */
  static int[] bestFirst(float[] probs, int k) {
    int[] best = new int[k];
    boolean[] used = new boolean[probs.length];
    for (int r = 0; r < k; r++) {
      int top = -1;
      for (int c = 0; c < probs.length; c++) {
        if (!used[c] && (top < 0 || probs[c] > probs[top])) {
          top = c;
        }
      }
      used[top] = true;
      best[r] = top;
    }
    return best;
  }
}
