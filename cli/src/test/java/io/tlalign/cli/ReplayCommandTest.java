package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Argument handling of {@code tlalign replay}; the replay itself is in ReplayCommandITCase. */
class ReplayCommandTest extends CommandLineTest {

  @TempDir Path dir;

  private int replay(String... more) {
    String[] args = new String[more.length + 1];
    args[0] = "replay";
    System.arraycopy(more, 0, args, 1, more.length);
    return run(args);
  }

  @Test
  void anUnknownDatasetNamesItAndTheKnownOnes() {
    assertThat(replay("--dataset", "cifar", "--bootstrap-servers", "127.0.0.1:9092")).isEqualTo(2);
    assertThat(err.toString())
        .contains("unknown --dataset 'cifar'; use one of fashion-mnist, idx, folder");
  }

  @Test
  void idxAndFolderNeedAPath() {
    assertThat(replay("--dataset", "folder", "--bootstrap-servers", "127.0.0.1:9092")).isEqualTo(2);
    assertThat(err.toString()).contains("--dataset folder needs --path");
  }

  @Test
  void aMissingPathIsNamed() {
    Path nope = dir.resolve("nope");
    assertThat(replay("--dataset", "idx", "--path", nope.toString(), "--bootstrap-servers", "h:1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("no such file or folder: --path " + nope);
  }

  @Test
  void aFileWhereAFolderIsNeededIsNamed() throws Exception {
    Path file = Files.writeString(dir.resolve("x.png"), "x");
    assertThat(
            replay("--dataset", "folder", "--path", file.toString(), "--bootstrap-servers", "h:1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("is a file; --dataset folder needs a folder");
  }

  @Test
  void zeroEpochsIsRefusedWithTheFix() {
    assertThat(replay("--dataset", "fashion-mnist", "--epochs", "0", "--bootstrap-servers", "h:1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--epochs must be >= 1, got 0; try --epochs 1");
  }

  @Test
  void aNegativeLimitOrRateIsRefused() {
    assertThat(replay("--dataset", "fashion-mnist", "--limit", "-5", "--bootstrap-servers", "h:1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--limit must be >= 1, got -5");
    assertThat(replay("--dataset", "fashion-mnist", "--rate", "-1.5", "--bootstrap-servers", "h:1"))
        .isEqualTo(2);
    assertThat(err.toString())
        .contains("--rate must be a number of records per second > 0, got -1.5");
  }

  @Test
  void badBootstrapServersAreNamedWithAnExample() {
    assertThat(replay("--dataset", "fashion-mnist", "--bootstrap-servers", "localhost"))
        .isEqualTo(2);
    assertThat(err.toString())
        .contains("'localhost' is not HOST:PORT; try --bootstrap-servers 127.0.0.1:9092");
    assertThat(replay("--dataset", "fashion-mnist", "--bootstrap-servers", "a:9092,b:99999"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("'b:99999' is not HOST:PORT");
  }

  @Test
  void aSeedMustBeAnIntegerOrNone() {
    assertThat(
            replay(
                "--dataset",
                "fashion-mnist",
                "--shuffle-seed",
                "abc",
                "--bootstrap-servers",
                "h:1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--shuffle-seed must be an integer or 'none', got 'abc'");
  }

  @Test
  void anUnknownSplitIsAUsageError() {
    assertThat(replay("--dataset", "fashion-mnist", "--split", "val", "--bootstrap-servers", "h:1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--split").contains("val");
  }

  @Test
  void aMalformedDatasetFailsWithOneLineAndExitOne() throws Exception {
    Files.write(dir.resolve("train-images-idx3-ubyte"), new byte[] {1, 2, 3, 4, 5});
    Files.write(dir.resolve("train-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
    assertThat(replay("--dataset", "idx", "--path", dir.toString(), "--bootstrap-servers", "h:1"))
        .isEqualTo(1);
    assertThat(err.toString().lines())
        .singleElement()
        .asString()
        .startsWith("replay: error: ")
        .contains("is not an IDX file");
  }

  @Test
  void helpListsEveryOptionAndTheMainHelpListsReplay() {
    assertThat(replay("--help")).isZero();
    assertThat(out.toString())
        .contains("--dataset", "--path", "--split", "--topic", "--bootstrap-servers", "--epochs")
        .contains("--shuffle-seed", "--limit", "--rate", "/usr/share/datasets/fashion-mnist");
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("replay");
  }

  @Test
  void anUnreachableBrokerFailsFastWithOneLine() throws Exception {
    int port;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort(); // closed again: nothing listens there
    }
    // One 1x1 image and its label, as IDX files.
    Files.write(
        dir.resolve("train-images-idx3-ubyte"),
        new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7});
    Files.write(dir.resolve("train-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 3});
    assertThat(
            replay(
                "--dataset",
                "idx",
                "--path",
                dir.toString(),
                "--bootstrap-servers",
                "127.0.0.1:" + port))
        .isEqualTo(1);
    assertThat(err.toString())
        .startsWith("replay: error: cannot reach Kafka at 127.0.0.1:" + port)
        .contains("is a broker running there?");
  }
}
