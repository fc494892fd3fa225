package io.tlalign.model.servable;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Predicate;
import org.apache.flink.ml.param.ParamValidator;

/**
 * A Flink ML {@link ParamValidator} that also says what a valid value looks like, so that {@link
 * TlAlignParams#set} can name the bad value and the fix (Flink ML's own message names only the
 * value).
 */
public final class ParamRule<T> implements ParamValidator<T> {

  private static final long serialVersionUID = 1L;

  private final SerializablePredicate<T> test;
  private final String expectation;
  private final boolean nullable;

  private ParamRule(SerializablePredicate<T> test, String expectation) {
    this(test, expectation, false);
  }

  private ParamRule(SerializablePredicate<T> test, String expectation, boolean nullable) {
    this.test = test;
    this.expectation = expectation;
    this.nullable = nullable;
  }

  /** A serializable test: validators travel with the stages they belong to. */
  public interface SerializablePredicate<T> extends Predicate<T>, java.io.Serializable {}

  @Override
  public boolean validate(T value) {
    return value == null ? nullable : test.test(value);
  }

  /** What a valid value is, e.g. "an integer >= 1". */
  public String expectation() {
    return expectation;
  }

  public static <T extends Number> ParamRule<T> atLeast(double min, String example) {
    return new ParamRule<>(v -> v.doubleValue() >= min, "a number >= " + fmt(min) + example);
  }

  public static <T extends Number> ParamRule<T> greaterThan(double min, String example) {
    return new ParamRule<>(v -> v.doubleValue() > min, "a number > " + fmt(min) + example);
  }

  /** {@code [min, max)}. */
  public static ParamRule<Double> inHalfOpen(double min, double max, String example) {
    return new ParamRule<>(
        v -> v >= min && v < max, "a number in [" + fmt(min) + ", " + fmt(max) + ")" + example);
  }

  /** One of {@code values}, compared without case and surrounding blanks. */
  public static ParamRule<String> oneOf(String... values) {
    String[] lower =
        Arrays.stream(values).map(s -> s.toLowerCase(Locale.ROOT)).toArray(String[]::new);
    return new ParamRule<>(
        v -> Arrays.asList(lower).contains(v.trim().toLowerCase(Locale.ROOT)),
        "one of " + String.join(", ", values));
  }

  public static ParamRule<String> columnName() {
    return new ParamRule<>(v -> !v.isBlank(), "a column name that is not blank");
  }

  /** Any value but null. */
  public static <T> ParamRule<T> notNull() {
    return new ParamRule<>(v -> true, "a value (not null)");
  }

  /**
   * A rule of the declaring class's own check ({@code test}, e.g. a constructor that throws on a
   * bad value, wrapped to answer false), so that a Param and the option it mirrors accept the same
   * values.
   *
   * @param nullable true: null means "not set" and is accepted
   */
  public static <T> ParamRule<T> of(
      SerializablePredicate<T> test, String expectation, boolean nullable) {
    return new ParamRule<>(test, expectation, nullable);
  }

  /** Null (not set) or a column name that is not blank: for optional columns. */
  public static ParamRule<String> optionalColumnName() {
    return new ParamRule<>(v -> !v.isBlank(), "null or a column name that is not blank", true);
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
