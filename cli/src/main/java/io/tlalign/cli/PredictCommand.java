package io.tlalign.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.NativeArrays;
import io.tlalign.model.NoGrad;
import io.tlalign.model.servable.ImagePixels;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.weights.PretrainedWeights;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./tlalign predict}: classifies image files with weights (a model file of this system, or
 * safetensors with timm or Hugging Face names). Images must have the model's size; pixels are
 * normalised as in training ({@link ImagePixels}). A colour image for a grey model is converted to
 * luminance (0.299 R + 0.587 G + 0.114 B); a grey image for a colour model is repeated over 3
 * channels.
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
      description = "Preset; default: the one a model file names, else vit-tiny-fm.")
  String model;

  @Option(
      names = "--top",
      defaultValue = "1",
      paramLabel = "K",
      description = "Classes shown per image (default: ${DEFAULT-VALUE}).")
  int top;

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
    PretrainedWeights.AsIs asIs = WeightsFiles.loadAsIs(cl, weights, model);
    VitConfig config = asIs.config();
    int k = Math.min(top, config.numClasses());
    List<float[]> pixels = new ArrayList<>();
    for (Path image : images) {
      pixels.add(read(cl, image, config));
    }
    PrintWriter out = cl.getOut();
    var engine = EngineSetup.start(EngineOptions.defaults().withThreads(1, 1));
    Device device = EngineSetup.selectDevice(engine, -1);
    try (TrainingSession session =
            TrainingSession.fromWeights(
                TrainingConfig.defaults(config, 0), device, asIs.weights().parameters());
        NoGrad noGrad = NoGrad.enter()) {
      for (int i = 0; i < images.size(); i++) {
        float[] row;
        float[] probs;
        try (NDManager sm = session.model().newStepManager()) {
          NDArray x =
              NativeArrays.copyOf(sm, pixels.get(i), session.model().network().inputShape(1));
          NDArray z = session.model().forward(x, false).get(0); // [1, K]
          row = z.toFloatArray();
          probs = z.softmax(-1).toFloatArray();
        }
        out.println(line(images.get(i), probs, row, k));
      }
    }
    out.flush();
    return 0;
  }

  private String line(Path image, float[] probs, float[] row, int k) {
    StringBuilder b = new StringBuilder("predict: ").append(image);
    boolean[] used = new boolean[probs.length];
    for (int r = 1; r <= k; r++) {
      int best = -1;
      for (int c = 0; c < probs.length; c++) {
        if (!used[c] && (best < 0 || probs[c] > probs[best])) {
          best = c;
        }
      }
      used[best] = true;
      b.append(String.format(Locale.ROOT, " top%d=%d p=%.4f", r, best, probs[best]));
    }
    if (logits) {
      b.append(" logits=");
      for (int c = 0; c < row.length; c++) {
        b.append(c == 0 ? "" : ",").append(row[c]);
      }
    }
    return b.toString();
  }

  /** The image as the model's normalised [C, H, W] floats. */
  private static float[] read(CommandLine cl, Path file, VitConfig config) {
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      image = null;
    }
    if (image == null) {
      throw new CommandLine.ParameterException(
          cl, "image " + file + " cannot be read; pass a PNG, JPEG, BMP or GIF file");
    }
    int h = config.imageHeight();
    int w = config.imageWidth();
    if (image.getHeight() != h || image.getWidth() != w) {
      throw new CommandLine.ParameterException(
          cl,
          String.format(
              Locale.ROOT,
              "image %s is %dx%d but %s takes %dx%d (height x width); resize it first",
              file,
              image.getHeight(),
              image.getWidth(),
              config.name(),
              h,
              w));
    }
    boolean grey =
        !(image.getColorModel() instanceof IndexColorModel)
            && image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
            && image.getColorModel().getComponentSize(0) == 8;
    int c = config.channels();
    byte[] raw = new byte[h * w * c];
    int[] sample = new int[1];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int[] rgb = new int[3];
        if (grey) {
          image.getRaster().getPixel(x, y, sample);
          rgb[0] = rgb[1] = rgb[2] = sample[0];
        } else {
          int argb = image.getRGB(x, y);
          rgb[0] = (argb >> 16) & 0xff;
          rgb[1] = (argb >> 8) & 0xff;
          rgb[2] = argb & 0xff;
        }
        if (c == 1) {
          raw[y * w + x] = (byte) Math.round(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]);
        } else {
          for (int ch = 0; ch < c; ch++) {
            raw[(y * w + x) * c + ch] = (byte) rgb[Math.min(ch, 2)];
          }
        }
      }
    }
    float[] out = new float[c * h * w];
    ImagePixels.toChannelFirst(raw, h, w, c, out, 0);
    return out;
  }
}
