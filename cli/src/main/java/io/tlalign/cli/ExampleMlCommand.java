package io.tlalign.cli;

import io.tlalign.cli.options.BatchSizeOption;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.local.example.TlAlignVitExample;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tlalign example-ml}: the Flink ML API example (fit, save, load, transform, servable). */
@Command(
    name = "example-ml",
    mixinStandardHelpOptions = true,
    description = {
      "The Flink ML API in numbered steps on Fashion-MNIST: a table of labeled images,"
          + " TlAlignVitClassifier.fit, save, load, transform, the accuracy on held-out images, and"
          + " the servable scoring the saved model without a Flink runtime.",
      "Writes <out>/example-ml-<yyyyMMdd-HHmmss>/model. Last line:"
          + " 'example-ml: accuracy=A test_images=N servable_agreement=S model=PATH'."
    })
public final class ExampleMlCommand implements Callable<Integer> {

  @Option(
      names = "--train",
      defaultValue = "4096",
      description = "Training images (default: ${DEFAULT-VALUE}).")
  int train;

  @Option(
      names = "--test",
      defaultValue = "1000",
      description = "Test images (default: ${DEFAULT-VALUE}).")
  int test;

  @Option(
      names = "--epochs",
      defaultValue = "2",
      description = "Epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Mixin BatchSizeOption batch = new BatchSizeOption(64);

  @Option(
      names = "--data",
      description = "Fashion-MNIST folder (default: /usr/share/datasets/fashion-mnist).")
  Path data;

  @Option(
      names = "--out",
      defaultValue = "runs",
      description = "Output folder (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    TlAlignVitExample.Result r =
        TlAlignVitExample.run(
            new TlAlignVitExample.Options(
                train,
                test,
                epochs,
                batch.value(),
                data == null ? FashionMnist.DEFAULT_FOLDER : data,
                out),
            System.out);
    System.out.printf(
        Locale.ROOT,
        "example-ml: accuracy=%.4f test_images=%d servable_agreement=%.4f model=%s%n",
        r.accuracy(),
        test,
        r.servableAgreement(),
        r.model());
    return 0;
  }
}
