package io.tlalign.job.sync;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 of parameters (names, shapes, float bits), as hex: equal digests mean equal bits. */
public final class ParameterDigest {

  private ParameterDigest() {}

  public static String of(List<NamedTensor> tensors) {
    MessageDigest sha = sha256();
    for (NamedTensor t : tensors) {
      sha.update(t.name().getBytes(StandardCharsets.UTF_8));
      ByteBuffer shape = ByteBuffer.allocate(Long.BYTES * t.shape().length);
      for (long d : t.shape()) {
        shape.putLong(d);
      }
      sha.update(shape.array());
      ByteBuffer data = ByteBuffer.allocate(Float.BYTES * t.data().length);
      data.asFloatBuffer().put(t.data());
      sha.update(data.array());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** The digest of a whole state's encoding: parameters, moments, counters and metadata. */
  public static String ofState(TrainingState state) {
    return HexFormat.of().formatHex(sha256().digest(state.toBytes()));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
