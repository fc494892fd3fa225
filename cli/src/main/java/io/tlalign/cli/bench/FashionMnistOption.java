package io.tlalign.cli.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --data DIR}, the Fashion-MNIST folder of the benchmarks that read it (a picocli mixin).
 */
final class FashionMnistOption {

  @Option(
      names = "--data",
      defaultValue = "/usr/share/datasets/fashion-mnist",
      description = "Fashion-MNIST folder (default: ${DEFAULT-VALUE}).")
  private Path data;

  Path folder() {
    return data;
  }
}
