package io.tlalign.model.bench;

import io.tlalign.model.vit.VitPresets;
import java.util.Locale;

/**
 * The range checks that the benchmarks' options share. The options exist for {@code tlalign bench},
 * so a message names the option as that command spells it, the value, and a value to try.
 */
public final class BenchArguments {

  private BenchArguments() {}

  /** Refuses {@code value <= 0}: "OPTION must be > 0, got V; try EXAMPLE". */
  public static void positive(String option, long value, String example) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          option + " must be > 0, got " + value + "; try " + example);
    }
  }

  /** Refuses {@code value < 0}: "OPTION must be >= 0, got V; try EXAMPLE". */
  public static void notNegative(String option, long value, String example) {
    if (value < 0) {
      throw new IllegalArgumentException(
          option + " must be >= 0, got " + value + "; try " + example);
    }
  }

  /** Refuses a name that is no ViT preset: "--model "X" is not a preset; pick one of ...". */
  public static void preset(String name) {
    if (name == null || !VitPresets.names().contains(name.trim().toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(
          "--model \""
              + name
              + "\" is not a preset; pick one of "
              + String.join(", ", VitPresets.names()));
    }
  }
}
