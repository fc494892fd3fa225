package io.tlalign.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the build version from the jar manifest (or "dev" when run from classes). */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"tlalign " + (v != null ? v : "dev")};
  }
}
