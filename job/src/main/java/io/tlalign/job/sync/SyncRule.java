package io.tlalign.job.sync;

import io.tlalign.job.settings.TlAlignOptions;
import java.util.Locale;

/**
 * What the replicas exchange in a round and how a round's average changes each replica ({@code
 * tlalign.sync.apply}); see {@code job/SYNC_DESIGN.md} for the measurements behind the choice.
 */
public enum SyncRule {
  /** Parameters are sent; the average replaces them (the S x K local steps since are dropped). */
  REPLACE("replace", PayloadKind.PARAMETERS),

  /** Parameters are sent; parameters + average - own contribution (keeps the local steps). */
  DELTA("delta", PayloadKind.PARAMETERS),

  /**
   * The update since the previous round is sent; the consensus moves by the outer optimizer's step
   * on the averaged update (SGD with Nesterov momentum: DiLoCo, Douillard et al. 2023, with {@code
   * tlalign.sync.outer-lr} 0.7 and {@code tlalign.sync.outer-momentum} 0.9; plain averaging of the
   * updates with 1 and 0), and each replica swaps its own update for that step.
   */
  UPDATES("updates", PayloadKind.UPDATE),

  /**
   * K = 1, S = 0: each step's gradients are sent and every replica applies their average with the
   * same clipping and AdamW step, so P replicas of batch b train as one trainer of batch P x b.
   */
  GRADIENTS("gradients", PayloadKind.GRADIENTS);

  private final String optionValue;
  private final PayloadKind payload;

  SyncRule(String optionValue, PayloadKind payload) {
    this.optionValue = optionValue;
    this.payload = payload;
  }

  /** The value of {@code tlalign.sync.apply} that selects this rule. */
  public String optionValue() {
    return optionValue;
  }

  /** What a numbered round's contributions carry under this rule (the final round: parameters). */
  public PayloadKind payload() {
    return payload;
  }

  /**
   * The rule named by {@code tlalign.sync.apply}.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static SyncRule parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (SyncRule r : values()) {
      if (r.optionValue.equals(v)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        TlAlignOptions.SYNC_APPLY.key()
            + " is \""
            + value
            + "\"; use replace (the default), delta, updates or gradients");
  }
}
