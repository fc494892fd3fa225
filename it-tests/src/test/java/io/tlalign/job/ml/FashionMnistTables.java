package io.tlalign.job.ml;

import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.FashionMnistSubset;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.Split;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * The first Fashion-MNIST images of a split (from the tests' subset, {@link FashionMnistSubset}) as
 * a table (id, features, label) for the tests.
 */
final class FashionMnistTables {

  private FashionMnistTables() {}

  static List<Row> rows(Split split, int count) throws Exception {
    ImageDataset data = FashionMnist.open(FashionMnistSubset.folder(), split);
    List<Row> rows = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      DatasetImage img = data.image(i);
      rows.add(Row.of(img.id(), img.pixels(), img.label()));
    }
    return rows;
  }

  static Table table(StreamTableEnvironment tEnv, StreamExecutionEnvironment env, List<Row> rows) {
    return tEnv.fromDataStream(env.fromData(rows, ImageRows.TYPE));
  }
}
