package io.tlalign.job.records;

/**
 * A validated image on its way to pairing: normalised float pixels {@code [C, H, W]}, or, when the
 * record was dead-lettered, a placeholder ({@code skipped}) that keeps its place in the input order
 * so that the pairing operator never waits for it.
 */
public class TrainingImage {
  public long seq;
  public String id;
  public int label;
  public int channels;
  public int height;
  public int width;
  public float[] pixels;
  public boolean skipped;

  public TrainingImage() {}

  public static TrainingImage skipped(long seq) {
    TrainingImage t = new TrainingImage();
    t.seq = seq;
    t.skipped = true;
    t.pixels = new float[0];
    t.id = "";
    return t;
  }

  public static TrainingImage of(
      long seq, String id, int label, int channels, int height, int width, float[] pixels) {
    TrainingImage t = new TrainingImage();
    t.seq = seq;
    t.id = id;
    t.label = label;
    t.channels = channels;
    t.height = height;
    t.width = width;
    t.pixels = pixels;
    return t;
  }
}
