package io.tlalign.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --init-from FILE} as {@code train}, {@code demo} and {@code experiment} take it. */
final class InitFromOption {

  @Option(
      names = "--init-from",
      paramLabel = "FILE",
      description =
          "Start from these weights instead of a seeded initialisation (train: when no checkpoint"
              + " is resumed): safetensors with timm or Hugging Face ViT names, an exported folder,"
              + " or a model file (.tlas) of this system. Loaded strictly; adapted as timm does"
              + " (head, pos_embed, channels).")
  Path file;

  /** The file as an absolute path, or null when not given. */
  Path absolute() {
    return file == null ? null : file.toAbsolutePath();
  }
}
