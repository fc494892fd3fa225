package io.tlalign.model.weights;

import java.util.List;

/**
 * Weights that do not fit a model, with every reason at once, as PyTorch's {@code
 * load_state_dict(strict=True)} reports them: the names the model needs and the file lacks, the
 * names the file has and the model does not, and the names whose shapes differ.
 */
public final class IncompatibleWeightsException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** Names shown per list in the message; an unrelated checkpoint would list hundreds. */
  static final int SHOWN = 12;

  private final List<String> missing;
  private final List<String> unexpected;
  private final List<String> mismatched;

  public IncompatibleWeightsException(
      String source,
      String preset,
      List<String> missing,
      List<String> unexpected,
      List<String> mismatched) {
    super(message(source, preset, missing, unexpected, mismatched));
    this.missing = List.copyOf(missing);
    this.unexpected = List.copyOf(unexpected);
    this.mismatched = List.copyOf(mismatched);
  }

  private static String message(
      String source,
      String preset,
      List<String> missing,
      List<String> unexpected,
      List<String> mismatched) {
    return "weights in "
        + source
        + " do not fit preset "
        + preset
        + ": missing "
        + head(missing)
        + ", unexpected "
        + head(unexpected)
        + ", mismatched "
        + head(mismatched)
        + "; pass a checkpoint of the same architecture (timm or Hugging Face ViT names, or a"
        + " model file of this system), or pick the preset (--model) it was trained with";
  }

  /** The list, its first {@value #SHOWN} names only when it is longer (all of it: the getters). */
  private static String head(List<String> names) {
    if (names.size() <= SHOWN) {
      return names.toString();
    }
    return names.subList(0, SHOWN).toString().replaceFirst("]$", "")
        + ", ... and "
        + (names.size() - SHOWN)
        + " more]";
  }

  public List<String> missing() {
    return missing;
  }

  public List<String> unexpected() {
    return unexpected;
  }

  /** Entries "name: file shape [..], model shape [..]". */
  public List<String> mismatched() {
    return mismatched;
  }
}
