package io.tlalign.model.servable;

/**
 * What the model says about a set of images.
 *
 * @param numClasses K
 * @param logits [B, K] row-major, the raw prediction
 * @param probabilities [B, K] row-major, the softmax of the logits
 * @param predictions [B] the class with the highest logit (the lowest index on a tie)
 */
public record Scores(int numClasses, float[] logits, float[] probabilities, int[] predictions) {

  public int size() {
    return predictions.length;
  }

  /** Row {@code i} of the logits, widened to double. */
  public double[] logitsOf(int i) {
    return row(logits, i);
  }

  /** Row {@code i} of the probabilities, widened to double. */
  public double[] probabilitiesOf(int i) {
    return row(probabilities, i);
  }

  private double[] row(float[] flat, int i) {
    double[] out = new double[numClasses];
    for (int k = 0; k < numClasses; k++) {
      out[k] = flat[i * numClasses + k];
    }
    return out;
  }
}
