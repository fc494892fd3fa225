package io.tlalign.model.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which soft target a training step uses for a mixed batch: the one closed set of mixing methods
 * that every option ({@code tlalign.mixing}, {@code --mixing}, {@code --methods}, the Flink ML
 * {@code mixing} param) is typed or validated by. Options spell a mode in lower case ({@link
 * #toString()}), and {@link #of(String)} reads it back without regard to case or surrounding
 * blanks.
 */
public enum TargetMode {
  /** No mixing in the target: each sample's own (smoothed) label. For unmixed batches. */
  NONE,
  /** Plain CutMix (Yun et al., ICCV 2019): the labels weighted by area, lambda and 1 - lambda. */
  CUTMIX,
  /**
   * TL-Align (Xiao et al., ICCV 2023): the sources' labels weighted by how much of each the class
   * token actually attended to, propagated through every block's attention.
   */
  TLALIGN;

  /** The mode as options spell it: {@code none}, {@code cutmix} or {@code tlalign}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Every mode as options spell it, comma-separated: {@code none, cutmix, tlalign}. */
  public static String names() {
    return Arrays.stream(values()).map(TargetMode::toString).collect(Collectors.joining(", "));
  }

  /**
   * The mode spelled {@code name}, in any case and with surrounding blanks.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static TargetMode of(String name) {
    String n = name == null ? "" : name.trim();
    for (TargetMode m : values()) {
      if (m.name().equalsIgnoreCase(n)) {
        return m;
      }
    }
    throw new IllegalArgumentException("\"" + name + "\" is not one of " + names());
  }
}
