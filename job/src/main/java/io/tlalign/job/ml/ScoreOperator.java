package io.tlalign.job.ml;

import io.tlalign.model.data.EncodedImages;
import io.tlalign.model.data.U8Image;
import io.tlalign.model.servable.ImagePixels;
import io.tlalign.model.servable.Scores;
import io.tlalign.model.servable.VitScorer;
import io.tlalign.model.state.TrainingStateFormat;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.ml.linalg.DenseVector;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.Row;

/**
 * {@link TlAlignVitModel#transform}'s operator: scores rows with the servable's core ({@link
 * VitScorer}) in groups of {@code batchSize}, each image through the evaluation transform and
 * normalisation of the model's data config, and appends the prediction, probability and raw
 * prediction. A group is scored when it is full and at the end of the input, so on an unbounded
 * input set {@code batchSize} to 1 for a score per row as it arrives.
 */
final class ScoreOperator extends AbstractStreamOperator<Row>
    implements OneInputStreamOperator<Row, Row>, BoundedOneInput {

  private static final long serialVersionUID = 1L;

  private final byte[] state;
  private final int numClasses;
  private final int featuresIndex;
  private final String featuresCol;
  private final int batchSize;

  private transient VitScorer scorer;
  private transient List<Row> pending;

  ScoreOperator(
      byte[] state, int numClasses, int featuresIndex, String featuresCol, int batchSize) {
    this.state = state;
    this.numClasses = numClasses;
    this.featuresIndex = featuresIndex;
    this.featuresCol = featuresCol;
    this.batchSize = batchSize;
  }

  @Override
  public void open() throws Exception {
    super.open();
    scorer = VitScorer.open(TrainingStateFormat.fromBytes(state), numClasses);
    pending = new ArrayList<>(batchSize);
  }

  @Override
  public void processElement(StreamRecord<Row> element) {
    pending.add(element.getValue());
    if (pending.size() == batchSize) {
      flush();
    }
  }

  @Override
  public void endInput() {
    flush();
  }

  private void flush() {
    if (pending.isEmpty()) {
      return;
    }
    List<U8Image> images = new ArrayList<>(pending.size());
    for (Row row : pending) {
      Object value = row.getField(featuresIndex);
      if (!(value instanceof byte[] bytes)) {
        throw new IllegalArgumentException(
            "column "
                + featuresCol
                + " holds "
                + (value == null ? "null" : value.getClass().getSimpleName())
                + "; expected BYTES (raw unsigned pixels, row-major, channel-last, or PNG or JPEG"
                + " bytes)");
      }
      images.add(ImagePixels.fromColumn(bytes, scorer.data(), EncodedImages.DEFAULT_MAX_PIXELS));
    }
    Scores scores = scorer.scoreImages(images, batchSize);
    for (int i = 0; i < pending.size(); i++) {
      Row in = pending.get(i);
      Row out = Row.withPositions(in.getArity() + 3);
      for (int f = 0; f < in.getArity(); f++) {
        out.setField(f, in.getField(f));
      }
      out.setField(in.getArity(), scores.predictions()[i]);
      out.setField(in.getArity() + 1, new DenseVector(scores.probabilitiesOf(i)));
      out.setField(in.getArity() + 2, new DenseVector(scores.logitsOf(i)));
      output.collect(new StreamRecord<>(out));
    }
    pending.clear();
  }

  @Override
  public void close() throws Exception {
    try {
      if (scorer != null) {
        scorer.close();
        scorer = null;
      }
    } finally {
      super.close();
    }
  }
}
