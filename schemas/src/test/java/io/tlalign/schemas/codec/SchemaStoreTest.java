package io.tlalign.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.schemas.ChunkHeader;
import io.tlalign.schemas.DeadLetter;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.TrainingMetric;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

class SchemaStoreTest {

  @Test
  void theDefaultStoreKnowsTheCurrentSchemaOfAllFiveRecords() {
    SchemaStore store = SchemaStore.withCurrentSchemas();

    for (Schema schema :
        new Schema[] {
          LabeledImage.getClassSchema(),
          TrainingMetric.getClassSchema(),
          ModelRef.getClassSchema(),
          DeadLetter.getClassSchema(),
          ChunkHeader.getClassSchema()
        }) {
      assertThat(store.findByFingerprint(SchemaNormalization.parsingFingerprint64(schema)))
          .isEqualTo(schema);
    }
    // The five current schemas plus each earlier writer schema kept in the history.
    assertThat(store.fingerprints()).hasSize(5 + SchemaStore.HISTORY.size());
  }

  @Test
  void anUnknownFingerprintFindsNullAsAvrosInterfaceRequires() {
    assertThat(SchemaStore.withCurrentSchemas().findByFingerprint(42L)).isNull();
    assertThat(SchemaStore.empty().fingerprints()).isEmpty();
  }

  @Test
  void registerReturnsTheFingerprintAndMakesTheSchemaFindable() {
    SchemaStore store = SchemaStore.empty();
    Schema old = TestRecords.schemaResource("LabeledImage-v1.avsc");

    long fingerprint = store.register(old);

    assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(old));
    assertThat(store.contains(fingerprint)).isTrue();
    assertThat(store.findByFingerprint(fingerprint)).isSameAs(old);
  }

  @Test
  void reRegisteringTheSameFingerprintKeepsTheFirstSchema() {
    SchemaStore store = SchemaStore.empty();
    Schema first = new Schema.Parser().parse("{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}");
    Schema sameButDocumented =
        new Schema.Parser()
            .parse("{\"type\":\"fixed\",\"name\":\"F\",\"size\":4,\"doc\":\"only docs differ\"}");

    long a = store.register(first);
    long b = store.register(sameButDocumented);

    assertThat(b).isEqualTo(a);
    assertThat(store.findByFingerprint(a)).isSameAs(first);
  }
}
