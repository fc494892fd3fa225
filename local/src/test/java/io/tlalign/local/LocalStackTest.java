package io.tlalign.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackTest {

  @TempDir Path dir;

  @Test
  void deletesATreeWhileAnotherThreadDeletesPartOfIt() throws Exception {
    Path root = dir.resolve("work");
    for (int i = 0; i < 200; i++) {
      Path d = Files.createDirectories(root.resolve("kafka").resolve("broker").resolve("p" + i));
      Files.writeString(d.resolve("segment.log"), "x".repeat(100));
    }
    CountDownLatch go = new CountDownLatch(1);
    Thread rival =
        new Thread(
            () -> {
              try {
                go.await();
                LocalStack.deleteTree(root.resolve("kafka").resolve("broker"));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    rival.start();
    go.countDown();
    LocalStack.deleteTree(root);
    rival.join();
    assertThat(root).doesNotExist();
  }
}
