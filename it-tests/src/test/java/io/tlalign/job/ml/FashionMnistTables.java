package io.tlalign.job.ml;

import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.FashionMnistSubset;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.Split;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * The first Fashion-MNIST images of a split (from the tests' subset, {@link FashionMnistSubset}) as
 * a table (id, features, label) for the tests.
 */
final class FashionMnistTables {

  static final RowTypeInfo TYPE =
      new RowTypeInfo(
          new TypeInformation<?>[] {
            BasicTypeInfo.STRING_TYPE_INFO,
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
            BasicTypeInfo.INT_TYPE_INFO
          },
          new String[] {"id", "features", "label"});

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
    return tEnv.fromDataStream(env.fromData(rows, TYPE));
  }
}
