package io.tlalign.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxFileTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {false, true})
  void readsTheDimsAndDataOfAnUnsignedByteFile(boolean gzip) throws Exception {
    byte[] data = IdxFixtures.pixels(3, 2, 4);
    Path f = IdxFixtures.write(dir.resolve("x.idx"), gzip, new int[] {3, 2, 4}, data);

    IdxFile idx = IdxFile.read(f);

    assertThat(idx.dims()).containsExactly(3, 2, 4);
    assertThat(idx.rank()).isEqualTo(3);
    assertThat(idx.slice(8, 8)).isEqualTo(java.util.Arrays.copyOfRange(data, 8, 16));
    assertThat(idx.unsignedByte(23)).isEqualTo(data[23] & 0xff);
  }

  @Test
  void aFileWithoutTheTwoZeroBytesIsNotIdx() throws Exception {
    Path f =
        IdxFixtures.writeRaw(
            dir.resolve("png"), false, new byte[] {(byte) 0x89, 'P', 'N', 'G'}, new byte[8]);
    assertThatThrownBy(() -> IdxFile.read(f))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("magic number 0x89504E47");
  }

  @Test
  void anotherElementTypeIsRefusedByName() throws Exception {
    Path f =
        IdxFixtures.writeRaw(
            dir.resolve("f"), false, IdxFixtures.header(0x0D, new int[] {2}), new byte[8]);
    assertThatThrownBy(() -> IdxFile.read(f))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining("type 0x0D (float)")
        .hasMessageContaining("unsigned bytes (0x08)");
  }

  @Test
  void aTruncatedFileSaysHowMuchIsMissing() throws Exception {
    Path f =
        IdxFixtures.writeRaw(
            dir.resolve("t.gz"),
            true,
            IdxFixtures.header(0x08, new int[] {10, 28, 28}),
            new byte[100]);
    assertThatThrownBy(() -> IdxFile.read(f))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining("truncated")
        .hasMessageContaining("10x28x28 = 7840 data bytes, the file holds 100");
  }

  @Test
  void bytesAfterTheDeclaredDataAreAnError() throws Exception {
    Path f =
        IdxFixtures.writeRaw(
            dir.resolve("long"), false, IdxFixtures.header(0x08, new int[] {4}), new byte[5]);
    assertThatThrownBy(() -> IdxFile.read(f))
        .isInstanceOf(MalformedDatasetException.class)
        .hasMessageContaining("bytes after the 4 data bytes");
  }

  @Test
  void nonPositiveSizesAndEmptyHeadersAreRefused() throws Exception {
    Path zero =
        IdxFixtures.writeRaw(
            dir.resolve("z"), false, IdxFixtures.header(0x08, new int[] {3, 0}), new byte[0]);
    assertThatThrownBy(() -> IdxFile.read(zero)).hasMessageContaining("dimension 1 as 0");
    Path shortFile = IdxFixtures.writeRaw(dir.resolve("s"), false, new byte[] {0, 0}, new byte[0]);
    assertThatThrownBy(() -> IdxFile.read(shortFile)).hasMessageContaining("only 2 bytes");
  }
}
