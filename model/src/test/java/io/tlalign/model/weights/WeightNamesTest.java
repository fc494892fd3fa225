package io.tlalign.model.weights;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.vit.VisionTransformer;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightNamesTest {

  @Test
  void timmNamesCoverEveryModelParameterInModelOrderForEveryPreset() {
    for (String preset : VitPresets.names()) {
      VitConfig c = VitPresets.byName(preset);
      Map<String, String> map = WeightNames.timmToModel(c);
      assertThat(new ArrayList<>(map.values()))
          .as(preset)
          .containsExactlyElementsOf(new VisionTransformer(c).getParameters().keys());
      map.forEach((timm, model) -> assertThat(WeightNames.modelToTimm(model)).contains(timm));
      assertThat(WeightNames.timmShapes(c).keySet()).containsExactlyElementsOf(map.keySet());
    }
    assertThat(WeightNames.timmToModel(VitPresets.DEIT_TINY))
        .containsEntry("blocks.11.mlp.fc2.bias", "13block11_04mlp_02fc2_bias")
        .containsEntry("norm.weight", "14norm_gamma")
        .containsEntry("head.weight", "15head_weight");
    assertThat(WeightNames.modelToTimm("not_a_parameter")).isEmpty();
  }

  @Test
  void huggingFaceNamesJoinQueryKeyValueIntoQkvAndSplitBack() {
    VitConfig c = VitPresets.VIT_TINY_FM;
    List<NamedTensor> timm = new ArrayList<>();
    float next = 0;
    for (Map.Entry<String, long[]> e : WeightNames.timmShapes(c).entrySet()) {
      float[] data = new float[(int) NamedTensor.elementCount(e.getValue())];
      for (int i = 0; i < data.length; i++) {
        data[i] = next++;
      }
      timm.add(new NamedTensor(e.getKey(), e.getValue(), data));
    }
    List<NamedTensor> hf = WeightNames.timmToHf(timm);
    Map<String, NamedTensor> byName = new LinkedHashMap<>();
    hf.forEach(t -> byName.put(t.name(), t));
    assertThat(byName)
        .containsKeys(
            "vit.embeddings.cls_token",
            "vit.embeddings.position_embeddings",
            "vit.embeddings.patch_embeddings.projection.weight",
            "vit.encoder.layer.0.attention.attention.query.weight",
            "vit.encoder.layer.3.attention.attention.value.bias",
            "vit.encoder.layer.0.attention.output.dense.weight",
            "vit.encoder.layer.0.layernorm_before.weight",
            "vit.encoder.layer.0.layernorm_after.bias",
            "vit.encoder.layer.0.intermediate.dense.weight",
            "vit.encoder.layer.0.output.dense.bias",
            "vit.layernorm.weight",
            "classifier.bias");
    NamedTensor key = byName.get("vit.encoder.layer.0.attention.attention.key.weight");
    assertThat(key.shape()).containsExactly(64, 64);
    NamedTensor qkv =
        timm.stream().filter(t -> t.name().equals("blocks.0.attn.qkv.weight")).findFirst().get();
    assertThat(key.data()[0]).isEqualTo(qkv.data()[64 * 64]); // rows D..2D-1 are the keys

    List<String> notes = new ArrayList<>();
    Map<String, NamedTensor> back = WeightNames.hfToTimm(byName, notes);
    assertThat(back.keySet())
        .containsExactlyInAnyOrderElementsOf(WeightNames.timmShapes(c).keySet());
    for (NamedTensor t : timm) {
      assertThat(back.get(t.name())).as(t.name()).isEqualTo(t);
    }
    assertThat(notes).isEmpty();
    assertThat(WeightNames.looksLikeHf(byName.keySet())).isTrue();
    assertThat(WeightNames.looksLikeHf(WeightNames.timmShapes(c).keySet())).isFalse();
  }
}
