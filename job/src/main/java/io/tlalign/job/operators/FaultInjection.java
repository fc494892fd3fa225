package io.tlalign.job.operators;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recovery drills: throws once when an operator reaches a given position, so that a job can prove
 * it restores exactly. Each fault fires at most once per marker folder, across restarts: firing
 * creates a marker file first, and a restarted attempt that finds it passes on.
 */
public final class FaultInjection implements Serializable {

  private static final long serialVersionUID = 1L;

  /** No fault. */
  public static final FaultInjection NONE = new FaultInjection(null, "none", -1);

  private final String markerDir;
  private final String name;
  private final long atPosition;

  public FaultInjection(String markerDir, String name, long atPosition) {
    this.markerDir = markerDir;
    this.name = name;
    this.atPosition = atPosition;
  }

  /** Throws {@link InjectedFault} the first time {@code position} equals the configured one. */
  public void maybeFail(long position) {
    if (atPosition < 0 || position != atPosition || markerDir == null) {
      return;
    }
    Path marker = Path.of(markerDir, name + "-" + atPosition + ".fired");
    try {
      Files.createDirectories(marker.getParent());
      Files.createFile(marker);
    } catch (FileAlreadyExistsException e) {
      return; // fired in an earlier attempt
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write fault marker " + marker, e);
    }
    throw new InjectedFault(name + " fault injected at " + atPosition);
  }

  /** The exception a drill throws; recognisable in logs and restart histories. */
  public static final class InjectedFault extends RuntimeException {
    public InjectedFault(String message) {
      super(message);
    }
  }
}
