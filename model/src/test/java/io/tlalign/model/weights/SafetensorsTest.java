package io.tlalign.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.model.state.NamedTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafetensorsTest {

  /** A file laid out by hand: size, header, data. */
  private static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.array();
  }

  private static byte[] le(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  @Test
  void readsF32TensorsInHeaderOrderWithMetadata() throws IOException {
    String header =
        "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[8,16]},"
            + "\"__metadata__\":{\"format\":\"pt\"}}";
    Safetensors.Contents c =
        Safetensors.fromBytes(file(header, le(1f, -2f, 3.5f, 0.25f)), "hand-made");
    assertThat(c.tensors().keySet()).containsExactly("b", "a");
    assertThat(c.tensors().get("b").data()).containsExactly(1f, -2f);
    assertThat(c.tensors().get("a").shape()).containsExactly(1, 2);
    assertThat(c.tensors().get("a").data()).containsExactly(3.5f, 0.25f);
    assertThat(c.metadata()).containsExactly(Map.entry("format", "pt"));
  }

  @Test
  void readsF16Bf16AndF64AsFloat32() throws IOException {
    ByteBuffer data = ByteBuffer.allocate(2 * 3 + 2 * 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
    data.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x0001); // 1, -2, 2^-24
    data.putShort((short) 0x3FC0).putShort((short) 0xBF80); // bf16 1.5, -1
    data.putDouble(0.1);
    String header =
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
            + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]},"
            + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[10,18]}}";
    Safetensors.Contents c = Safetensors.fromBytes(file(header, data.array()), "hand-made");
    assertThat(c.tensors().get("h").data()).containsExactly(1f, -2f, 0x1p-24f);
    assertThat(c.tensors().get("b").data()).containsExactly(1.5f, -1f);
    assertThat(c.tensors().get("d").data()).containsExactly(0.1f);
    assertThat(c.metadata()).isEmpty();
  }

  @Test
  void writesSortedF32WithFormatPtAndAPaddedHeader() throws IOException {
    byte[] bytes =
        Safetensors.toBytes(
            List.of(
                new NamedTensor("z", new long[] {1}, new float[] {2f}),
                new NamedTensor("a", new long[] {2}, new float[] {1f, -1f})),
            Map.of());
    String expectedHeader =
        "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
    int padded = (expectedHeader.length() + 7) / 8 * 8;
    String spaces = " ".repeat(padded - expectedHeader.length());
    assertThat(bytes).isEqualTo(file(expectedHeader + spaces, le(1f, -1f, 2f)));
    Safetensors.Contents back = Safetensors.fromBytes(bytes, "written");
    assertThat(back.tensors().keySet()).containsExactly("a", "z");
    assertThat(back.tensors().get("z").data()).containsExactly(2f);
  }

  @Test
  void refusesMalformedFilesNamingTheProblem() {
    String one = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    assertThatThrownBy(() -> Safetensors.fromBytes(new byte[] {1, 2}, "tiny"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tiny")
        .hasMessageContaining("8-byte");
    assertThatThrownBy(() -> Safetensors.fromBytes(file(one, le(1f)), "short"))
        .hasMessageContaining("tensor 'a' has data_offsets [0, 8] outside the 4 data bytes");
    assertThatThrownBy(
            () ->
                Safetensors.fromBytes(
                    file(one.replace("[2]", "[3]").replace("0,8", "0,8"), le(1f, 2f)), "count"))
        .hasMessageContaining("has 8 data bytes but F32[3] needs 12");
    assertThatThrownBy(
            () -> Safetensors.fromBytes(file(one.replace("F32", "I64"), le(1f, 2f)), "dtype"))
        .hasMessageContaining("dtype I64")
        .hasMessageContaining("convert");
    String overlap =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    assertThatThrownBy(() -> Safetensors.fromBytes(file(overlap, le(1f, 2f)), "overlap"))
        .hasMessageContaining("overlap");
    assertThatThrownBy(() -> Safetensors.fromBytes(file("[1]", new byte[0]), "array"))
        .hasMessageContaining("not a JSON object");
    byte[] huge = file(one, le(1f, 2f));
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
    assertThatThrownBy(() -> Safetensors.fromBytes(huge, "huge")).hasMessageContaining("truncated");
  }
}
