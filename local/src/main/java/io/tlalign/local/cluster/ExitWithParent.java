package io.tlalign.local.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * The main class of every cluster JVM: runs the Flink entry point named by its first argument and
 * exits when the process that started it is gone. The parent holds the write end of this JVM's
 * standard input; when the parent dies, even by SIGKILL where no shutdown hook runs, the input
 * reads end-of-file and this JVM exits (Flink's own shutdown hooks run), so no TaskManager or
 * JobManager outlives the benchmark or test that started it.
 */
public final class ExitWithParent {

  /** How long Flink's shutdown hooks get before the JVM is halted. */
  private static final long HALT_AFTER_MS = 20_000;

  private ExitWithParent() {}

  public static void main(String[] args) throws Throwable {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: ExitWithParent <main class> [arguments...]");
    }
    Thread watch = new Thread(() -> exitAtEndOf(System.in), "exit-with-parent");
    watch.setDaemon(true);
    watch.start();
    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
  }

  private static void exitAtEndOf(InputStream in) {
    try {
      while (in.read() >= 0) {
        // The parent writes nothing; any byte is ignored.
      }
    } catch (IOException e) {
      // A broken pipe means the same as end-of-file.
    }
    System.err.println("cluster process: the process that started it is gone; exiting");
    Thread halt =
        new Thread(
            () -> {
              try {
                Thread.sleep(HALT_AFTER_MS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              Runtime.getRuntime().halt(1);
            },
            "halt-after-grace");
    halt.setDaemon(true);
    halt.start();
    System.exit(1);
  }
}
