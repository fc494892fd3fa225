package io.tlalign.cli;

import io.tlalign.model.train.TargetMode;
import picocli.CommandLine;

/**
 * Reads {@code --mixing} and {@code --methods} through {@link TargetMode#of}, so that every command
 * accepts the same spellings and refuses a bad one naming it and the accepted ones.
 */
final class TargetModeConverter implements CommandLine.ITypeConverter<TargetMode> {

  @Override
  public TargetMode convert(String value) {
    try {
      return TargetMode.of(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
