package io.tlalign.cli.options;

import picocli.CommandLine.Option;

/**
 * {@code --batch-size N}, and its old name {@code --batch}, hidden so that existing scripts still
 * work (a picocli mixin). The default is the command's: create the mixin with it, since a picocli
 * {@code defaultValue} would be applied after {@code --batch} and undo it.
 */
public final class BatchSizeOption {

  @Option(names = "--batch-size", description = "Images per step (default: ${DEFAULT-VALUE}).")
  private int batch;

  /** The old name of {@code --batch-size}. */
  @Option(names = "--batch", hidden = true, paramLabel = "N")
  private void batchAlias(Integer value) {
    if (value != null) {
      batch = value;
    }
  }

  public BatchSizeOption(int defaultBatchSize) {
    this.batch = defaultBatchSize;
  }

  public int value() {
    return batch;
  }
}
