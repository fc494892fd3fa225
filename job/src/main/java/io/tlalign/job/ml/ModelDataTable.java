package io.tlalign.job.ml;

import java.util.List;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * The model data of {@link TlAlignVitModel} as a table: one row, one BYTES column {@value #COLUMN}
 * holding the whole training state in {@code TrainingStateFormat} (the bytes of a published model
 * file).
 */
final class ModelDataTable {

  static final String COLUMN = "trainingState";

  private ModelDataTable() {}

  /** A one-row table of {@code state}. */
  static Table of(StreamTableEnvironment tEnv, byte[] state) {
    var env = org.apache.flink.ml.common.datastream.TableUtils.getExecutionEnvironment(tEnv);
    RowTypeInfo type =
        new RowTypeInfo(
            new TypeInformation<?>[] {PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO},
            new String[] {COLUMN});
    return tEnv.fromDataStream(env.fromData(List.of(Row.of((Object) state)), type));
  }

  /** Reads the state out of a model data table (runs a small job unless it is cached). */
  static byte[] read(Table table) {
    byte[] state = null;
    try (CloseableIterator<Row> rows = table.execute().collect()) {
      while (rows.hasNext()) {
        Row row = rows.next();
        if (state != null) {
          throw new IllegalArgumentException(
              "model data table has more than one row; it must hold one training state");
        }
        Object value = row.getField(0);
        if (!(value instanceof byte[] bytes)) {
          throw new IllegalArgumentException(
              "model data table's first column holds "
                  + (value == null ? "null" : value.getClass().getSimpleName())
                  + "; expected BYTES in TrainingStateFormat");
        }
        state = bytes;
      }
    } catch (Exception e) {
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("reading the model data table failed: " + e, e);
    }
    if (state == null) {
      throw new IllegalArgumentException("model data table is empty; fit or load a model first");
    }
    return state;
  }
}
