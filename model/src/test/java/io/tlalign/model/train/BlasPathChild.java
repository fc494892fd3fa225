package io.tlalign.model.train;

import ai.djl.Device;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.TestEngine;
import io.tlalign.model.state.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The other side of {@link BlasPathAgreementTest}, in its own JVM (the BLAS path is fixed once
 * libtorch is loaded): trains {@link BlasPathAgreementTest#run} and writes the states after {@link
 * BlasPathAgreementTest#SPLIT} and after all steps to {@code <dir>/split.tlas} and {@code
 * <dir>/end.tlas}; prints {@code blas=<label>} on stdout.
 */
public final class BlasPathChild {

  private BlasPathChild() {}

  public static void main(String[] args) throws Exception {
    TestEngine.start();
    Path dir = Path.of(args[0]);
    TrainingState[] states = BlasPathAgreementTest.run(Device.cpu());
    Files.write(dir.resolve("split.tlas"), states[0].toBytes());
    Files.write(dir.resolve("end.tlas"), states[1].toBytes());
    System.out.println("blas=" + EngineSetup.blasPath().kind().label());
  }
}
