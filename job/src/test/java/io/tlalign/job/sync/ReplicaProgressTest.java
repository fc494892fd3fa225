package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ReplicaProgressTest {

  @Test
  void flinkSerializesItAsAPojoByFieldNameNotThroughKryo() throws Exception {
    TypeInformation<ReplicaProgress> type = ReplicaTrainOperator.PROGRESS_TYPE;
    assertThat(type).isInstanceOf(PojoTypeInfo.class);
    TypeSerializer<ReplicaProgress> serializer = type.createSerializer(new SerializerConfigImpl());
    ReplicaProgress p = new ReplicaProgress(3, 4, 17, 18, true, true, false);
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(p, out);
    assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
        .isEqualTo(p);
  }

  @Test
  void theSevenLongsOfThePreviousVersionReadInTheirOrder() {
    assertThat(ReplicaProgress.fromLegacyLongs(List.of(1L, 2L, 5L, -1L, 1L, 0L, 1L)))
        .isEqualTo(new ReplicaProgress(1, 2, 5, -1, true, false, true));
  }

  @Test
  void aLegacyFlagOtherThanZeroOrOneIsRefused() {
    assertThatThrownBy(() -> ReplicaProgress.fromLegacyLongs(List.of(0L, 1L, 0L, -1L, 2L, 0L, 0L)))
        .hasMessageContaining("inputEnded = 2, expected 0 or 1");
  }
}
