package io.tlalign.job.ml;

import io.tlalign.model.servable.HasFeaturesCol;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.RowTypeInfo;

/**
 * A table of labeled images as {@link TlAlignVitClassifier} reads it with its default columns and
 * {@code setIdCol("id")}: id (STRING), features (BYTES: raw pixels, H x W x C), label (INT).
 */
public final class ImageRows {

  /** The row type: id, features, label. */
  public static final RowTypeInfo TYPE =
      new RowTypeInfo(
          new TypeInformation<?>[] {
            BasicTypeInfo.STRING_TYPE_INFO,
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
            BasicTypeInfo.INT_TYPE_INFO
          },
          new String[] {
            "id", HasFeaturesCol.FEATURES_COL.defaultValue, HasLabelCol.LABEL_COL.defaultValue
          });

  private ImageRows() {}
}
