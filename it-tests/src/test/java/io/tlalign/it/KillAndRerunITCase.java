package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.resume.CheckpointFolder;
import io.tlalign.job.resume.CheckpointProgress;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Process-level exactly-once: a real {@code train --bounded} JVM is killed with SIGKILL twice, each
 * time after a completed checkpoint and before the end, and the same command is run again. The
 * third run must end by itself, with a final model byte-identical (SHA-256) to the one an
 * uninterrupted run publishes; a fourth run of the same command says the run already finished.
 */
class KillAndRerunITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  /** 1,000 images of 16: 62 full batches and a last partial one of 8. */
  private static final int IMAGES = 1000;

  private static final int BATCH = 16;
  private static final long STEPS = (IMAGES + BATCH - 1) / BATCH;

  private static final Pattern RESUMING =
      Pattern.compile("train: resuming from (\\S+) at step (\\d+)");
  private static final Pattern FINISHED =
      Pattern.compile("train: finished at step (\\d+); final model (\\S+)");

  @TempDir static Path work;
  private static String topic;

  @BeforeAll
  static void writeImages() throws Exception {
    topic = "images.train.rerun." + UUID.randomUUID().toString().substring(0, 8);
    FashionMnistFiles.Images train = FashionMnistFiles.read("train", IMAGES);
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      for (int i = 0; i < IMAGES; i++) {
        String id = "fm-" + i;
        kafka.send(
            topic,
            id,
            codec.encode(FashionMnistFiles.record(id, train.labels()[i], train.pixels()[i])));
      }
    }
  }

  @Test
  void killedTwiceAndRerunEndsWithTheUninterruptedModel() throws Exception {
    Run reference = start("reference");
    assertThat(reference.process.waitFor(300, TimeUnit.SECONDS)).as("reference run ends").isTrue();
    assertThat(reference.process.exitValue()).as("reference: %s", reference.lines).isZero();
    Matcher ref = reference.find(FINISHED);
    assertThat(Long.parseLong(ref.group(1))).isEqualTo(STEPS);
    String expected = sha256(Path.of(ref.group(2)));

    CheckpointFolder checkpoints = new CheckpointFolder(work.resolve("checkpoints-killed"));
    Set<Path> seenJobs = new java.util.HashSet<>();
    long restoredStep = 0;
    for (int kill = 1; kill <= 2; kill++) {
      Run run = start("killed");
      if (kill == 2) {
        Matcher m = run.await(RESUMING, 120);
        restoredStep = Long.parseLong(m.group(2));
        assertThat(restoredStep).as("second run resumes where the first was killed").isPositive();
      }
      // Kill after a checkpoint of this very process completed, at least 8 steps past the
      // resumed one, and before the end.
      long atLeast = restoredStep + 8;
      Checkpointed cut = awaitCheckpoint(checkpoints, seenJobs, atLeast, run);
      assertThat(cut.step).as("kill %d lands before the end", kill).isLessThan(STEPS);
      assertThat(run.process.isAlive()).as("run %d still training when killed", kill).isTrue();
      run.process.destroyForcibly(); // SIGKILL
      assertThat(run.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(run.process.exitValue()).as("killed by SIGKILL").isEqualTo(137);
      seenJobs.add(cut.dir.getParent());
      System.out.printf(
          "kill %d: SIGKILL pid %d after checkpoint %s at step %d%n",
          kill, run.process.pid(), cut.dir, cut.step);
      restoredStep = cut.step;
    }

    Run last = start("killed");
    boolean ended = last.process.waitFor(150, TimeUnit.SECONDS);
    if (!ended) {
      Process jstack =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                  Long.toString(last.process.pid()))
              .redirectOutput(work.resolve("../rerun-jstack.txt").toFile())
              .start();
      jstack.waitFor(30, TimeUnit.SECONDS);
      Files.write(work.resolve("../rerun-output.txt"), last.lines);
      last.process.destroyForcibly();
    }
    assertThat(ended).as("the rerun ends by itself: %s", last.lines).isTrue();
    assertThat(last.process.exitValue()).as("rerun: %s", last.lines).isZero();
    Matcher resumed = last.find(RESUMING);
    assertThat(Long.parseLong(resumed.group(2)))
        .as("the third run resumes from the second's checkpoint")
        .isGreaterThanOrEqualTo(restoredStep);
    Matcher done = last.find(FINISHED);
    assertThat(Long.parseLong(done.group(1)))
        .as("every step trained, the partial one too")
        .isEqualTo(STEPS);
    String actual = sha256(Path.of(done.group(2)));
    System.out.printf("final model SHA-256: uninterrupted %s, killed twice %s%n", expected, actual);
    assertThat(actual).as("final model after two kills").isEqualTo(expected);

    Run again = start("killed");
    assertThat(again.process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(again.process.exitValue()).isZero();
    assertThat(again.lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("train: this bounded run already finished at step " + STEPS));
  }

  private record Checkpointed(Path dir, long step) {}

  /** Waits for a completed checkpoint of the running process (a job folder not seen before). */
  private static Checkpointed awaitCheckpoint(
      CheckpointFolder folder, Set<Path> oldJobs, long atLeast, Run run) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      assertThat(run.process.isAlive()).as("run alive while waiting: %s", run.lines).isTrue();
      for (CheckpointFolder.Checkpoint c : folder.completed()) {
        if (oldJobs.contains(c.dir().getParent())) {
          continue;
        }
        try {
          long step = CheckpointProgress.step(c.dir());
          if (step >= atLeast) {
            return new Checkpointed(c.dir(), step);
          }
        } catch (IOException subsumedMeanwhile) {
          // Flink deleted it while we read it; the next one is newer.
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no checkpoint at step >= " + atLeast + ": " + run.lines);
  }

  private static final class Run {
    final Process process;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    Run(Process process) {
      this.process = process;
      Thread drain =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = in.readLine()) != null) {
                    lines.add(line);
                  }
                } catch (IOException gone) {
                  // the process was killed
                }
              });
      drain.setDaemon(true);
      drain.start();
    }

    Matcher find(Pattern p) {
      synchronized (lines) {
        for (String l : lines) {
          Matcher m = p.matcher(l);
          if (m.find()) {
            return m;
          }
        }
      }
      throw new AssertionError("no line matching " + p + " in " + lines);
    }

    Matcher await(Pattern p, int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        try {
          return find(p);
        } catch (AssertionError notYet) {
          Thread.sleep(100);
        }
      }
      return find(p);
    }
  }

  /** The same command line every time for {@code name}: only the process differs. */
  private static Run start(String name) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path tmp = work.resolve("tmp-" + name);
    Files.createDirectories(tmp);
    List<String> cmd =
        List.of(
            java.toString(),
            "-Xmx1g",
            "-Djava.io.tmpdir=" + tmp,
            "-Djna.tmpdir=" + tmp.resolve("jna"),
            "-Dai.djl.offline=true",
            "-DDJL_CACHE_DIR=" + System.getProperty("DJL_CACHE_DIR", tmp.resolve("djl").toString()),
            "-cp",
            System.getProperty("java.class.path"),
            "io.tlalign.cli.Main",
            "train",
            "--bootstrap-servers",
            KAFKA.bootstrapServers(),
            "--bounded",
            "--batch-size",
            Integer.toString(BATCH),
            "--total-steps",
            "100",
            "--warmup-steps",
            "5",
            "--checkpoint-interval",
            "300ms",
            "--checkpoint-dir",
            work.resolve("checkpoints-" + name).toUri().toString(),
            "--model-store",
            work.resolve("models-" + name).toUri().toString(),
            "-D",
            "tlalign.topic.train=" + topic,
            "-D",
            "tlalign.kafka.group-id=rerun-" + name,
            "-D",
            "tlalign.topic.deadletter=images.deadletter.rerun-" + name,
            "-D",
            "tlalign.topic.metrics=tlalign.metrics.rerun-" + name,
            "-D",
            "tlalign.topic.models=tlalign.models.rerun-" + name);
    return new Run(new ProcessBuilder(cmd).redirectErrorStream(true).start());
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
