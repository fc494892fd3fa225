package io.tlalign.cli;

import ai.djl.Device;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitPresets;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Model files (.tlas) as the job publishes them, for the commands that read them. */
final class ModelFiles {

  private ModelFiles() {}

  /** Writes a fresh seed-3 {@code vit-tiny-fm} model file to {@code file}; returns it. */
  static Path vitTinyFm(Path file) throws IOException {
    EngineSetup.start(EngineOptions.defaults().withThreads(1, 1));
    try (TrainingSession s =
            TrainingSession.create(
                TrainingConfig.defaults(VitPresets.VIT_TINY_FM, 3), Device.cpu());
        OutputStream out = Files.newOutputStream(file)) {
      s.captureState().writeTo(out);
    }
    return file;
  }
}
