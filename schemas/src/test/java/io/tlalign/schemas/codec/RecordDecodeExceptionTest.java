package io.tlalign.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.schemas.codec.RecordDecodeException.Reason;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RecordDecodeExceptionTest {

  @Test
  void reasonNamesAreAStableContractForDeadLetterCodes() {
    // Renaming or removing one breaks dead-letter consumers and dashboards: only ever append.
    assertThat(Arrays.stream(Reason.values()).map(Enum::name))
        .containsExactly(
            "EMPTY",
            "BAD_MARKER",
            "UNKNOWN_FINGERPRINT",
            "INCOMPATIBLE_SCHEMA",
            "TRUNCATED",
            "MALFORMED_BODY",
            "TRAILING_BYTES");
  }

  @Test
  void messagesAreFlattenedToOneNonEmptyLine() {
    RecordDecodeException multiLine =
        new RecordDecodeException(Reason.MALFORMED_BODY, "first\n  second\r\nthird ");
    RecordDecodeException blank = new RecordDecodeException(Reason.TRUNCATED, " \n ");

    assertThat(multiLine.getMessage()).isEqualTo("first second third");
    assertThat(blank.getMessage()).isNotBlank().contains("TRUNCATED");
  }

  @Test
  void longMessagesAreShortened() {
    RecordDecodeException e = new RecordDecodeException(Reason.MALFORMED_BODY, "x".repeat(5000));

    assertThat(e.getMessage()).hasSizeLessThanOrEqualTo(400).endsWith("...");
  }

  @Test
  void toStringShowsTheReasonCode() {
    RecordDecodeException e = new RecordDecodeException(Reason.EMPTY, "nothing");

    assertThat(e).hasToString("RecordDecodeException[EMPTY]: nothing");
    assertThat(e.fingerprint()).isEmpty();
  }
}
