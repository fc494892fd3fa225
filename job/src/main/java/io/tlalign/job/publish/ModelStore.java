package io.tlalign.job.publish;

import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.weights.WeightsExport;
import io.tlalign.schemas.ModelRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystem.WriteMode;
import org.apache.flink.core.fs.Path;

/**
 * Writes model files through Flink's {@link FileSystem} (local, S3, HDFS... whatever the URI names)
 * and reads them back, checking the SHA-256 their {@link ModelRef} carries. With an export name
 * set, each model file gets a standard model folder beside it ({@link #exportFolder}: {@code
 * model.safetensors} and {@code config.json}, plus {@code preprocessor_config.json} with Hugging
 * Face names, as {@code ./tlalign export} writes them).
 */
public final class ModelStore {

  private static final String FORMAT_PREFIX = "tlalign-state/";

  /** The format this build writes. */
  public static final String FORMAT = FORMAT_PREFIX + TrainingStateFormat.VERSION;

  /**
   * Metadata key of a published state that is the replicas' consensus: the sync round whose average
   * it is. It becomes the {@link ModelRef}'s {@code round}.
   */
  public static final String META_SYNC_ROUND = "tlalign.sync.round";

  private final Path folder;
  private final WeightsExport.Names export;

  public ModelStore(String folderUri) {
    this(folderUri, null);
  }

  /**
   * @param export the names of the export written beside each model file; null: none
   */
  public ModelStore(String folderUri, WeightsExport.Names export) {
    this.folder = new Path(folderUri);
    this.export = export;
  }

  /** The export folder of a model file: its path without {@code .tlas}. */
  public static Path exportFolder(String modelUri) {
    return new Path(
        modelUri.endsWith(".tlas")
            ? modelUri.substring(0, modelUri.length() - 5)
            : modelUri + ".export");
  }

  /** Deletes a model file and its export folder, if any. */
  public static void delete(ModelRef ref) throws IOException {
    Path file = new Path(ref.getUri());
    FileSystem fs = file.getFileSystem();
    fs.delete(file, false);
    Path exported = exportFolder(ref.getUri());
    if (fs.exists(exported)) {
      fs.delete(exported, true);
    }
  }

  /** Writes the state as {@code model-step-<step>-chk-<id>.tlas} and returns its pointer. */
  public ModelRef write(TrainingState state, long checkpointId) throws IOException {
    Path file =
        new Path(folder, String.format("model-step-%09d-chk-%d.tlas", state.step(), checkpointId));
    FileSystem fs = file.getFileSystem();
    MessageDigest sha = sha256();
    try (OutputStream raw = fs.create(file, WriteMode.OVERWRITE);
        DigestOutputStream out = new DigestOutputStream(raw, sha)) {
      TrainingStateFormat.writeTo(state, out);
    }
    if (export != null) {
      // Written before the pointer exists, so a published pointer always has its export.
      Path dir = exportFolder(file.toUri().toString());
      fs.mkdirs(dir);
      for (Map.Entry<String, byte[]> f : WeightsExport.files(state, export).entrySet()) {
        try (OutputStream out = fs.create(new Path(dir, f.getKey()), WriteMode.OVERWRITE)) {
          out.write(f.getValue());
        }
      }
    }
    return ModelRef.newBuilder()
        .setUri(file.toUri().toString())
        .setStep(state.step())
        .setCheckpointId(checkpointId)
        .setSha256(HexFormat.of().formatHex(sha.digest()))
        .setFormat(FORMAT)
        .setTime(Instant.now())
        .setRound(syncRound(state))
        .build();
  }

  /** The consensus round a state carries, or null for a single trainer's. */
  private static Long syncRound(TrainingState state) {
    String round = state.metadata().get(META_SYNC_ROUND);
    return round == null ? null : Long.valueOf(round);
  }

  /** Whether the pointer's format names a version {@link TrainingStateFormat} still reads. */
  static boolean readable(String format) {
    if (format == null || !format.startsWith(FORMAT_PREFIX)) {
      return false;
    }
    try {
      int version = Integer.parseInt(format.substring(FORMAT_PREFIX.length()));
      return TrainingStateFormat.READABLE_VERSIONS.contains(version);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Reads the model a pointer names, refusing it if its bytes do not match the pointer's hash. */
  public static TrainingState read(ModelRef ref) throws IOException {
    if (!readable(ref.getFormat())) {
      throw new IOException(
          "model "
              + ref.getUri()
              + " has format "
              + ref.getFormat()
              + "; this build reads "
              + FORMAT_PREFIX
              + TrainingStateFormat.READABLE_VERSIONS);
    }
    Path file = new Path(ref.getUri());
    byte[] bytes;
    try (InputStream in = file.getFileSystem().open(file)) {
      bytes = in.readAllBytes();
    }
    String actual = HexFormat.of().formatHex(sha256().digest(bytes));
    if (!actual.equalsIgnoreCase(ref.getSha256())) {
      throw new IOException(
          "model "
              + ref.getUri()
              + " has SHA-256 "
              + actual
              + " but its pointer says "
              + ref.getSha256()
              + "; the file was altered or replaced");
    }
    return TrainingStateFormat.fromBytes(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
