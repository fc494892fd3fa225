package io.tlalign.local.example;

import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.Split;
import io.tlalign.job.ml.ImageRows;
import io.tlalign.job.ml.TlAlignVitClassifier;
import io.tlalign.job.ml.TlAlignVitModel;
import io.tlalign.model.servable.TlAlignVitModelServable;
import io.tlalign.model.train.TargetMode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.types.DataTypes;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * The Flink ML API of tlalign in numbered steps, on Fashion-MNIST: build a table of labeled images,
 * fit, save, load, transform, print the accuracy, then score the same images with the servable,
 * which needs no Flink cluster. Run it with {@code ./tlalign example-ml}.
 */
public final class TlAlignVitExample {

  /** What to run: images to train on and to test with, epochs, batch size, output folder. */
  public record Options(int train, int test, int epochs, int batch, Path data, Path out) {}

  /** What came out. */
  public record Result(double accuracy, double servableAgreement, Path model) {}

  private TlAlignVitExample() {}

  public static Result run(Options o, PrintStream log) throws Exception {
    // 1. A table of labeled images: id, features (raw bytes, 28x28x1), label.
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1); // one source keeps the table's order, so the fit is reproducible
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
    List<Row> trainRows = rows(o.data(), Split.TRAIN, o.train());
    List<Row> testRows = rows(o.data(), Split.TEST, o.test());
    log.printf("example-ml: 1. tables of %d training and %d test images%n", o.train(), o.test());

    // 2. Fit: the streaming job's operators on the table (decode, augment, CutMix, TL-Align).
    long t0 = System.nanoTime();
    TlAlignVitModel model =
        new TlAlignVitClassifier()
            .setMixing(TargetMode.TLALIGN.toString())
            .setBatchSize(o.batch())
            .setEpochs(o.epochs())
            .setLearningRate(2e-3)
            .setWarmupSteps(20L)
            .setIdCol("id")
            .fit(table(tEnv, env, trainRows));
    log.printf(
        Locale.ROOT,
        "example-ml: 2. fit %d steps in %.1f s%n",
        (o.train() + o.batch() - 1) / o.batch() * o.epochs(),
        (System.nanoTime() - t0) / 1e9);

    // 3. Save: params as Flink ML metadata, the model as a training-state file.
    Path folder = runFolder(o.out()).resolve("model");
    model.save(folder.toString());
    log.println("example-ml: 3. saved to " + folder);

    // 4. Load it back.
    TlAlignVitModel loaded = TlAlignVitModel.load(tEnv, folder.toString());
    log.println("example-ml: 4. loaded " + folder);

    // 5. Transform: prediction, probability and rawPrediction columns appended.
    Table scored = loaded.transform(table(tEnv, env, testRows))[0];
    log.println("example-ml: 5. transform schema " + scored.getResolvedSchema());
    List<Integer> predictions = new ArrayList<>();
    int correct = 0;
    try (CloseableIterator<Row> it = scored.execute().collect()) {
      while (it.hasNext()) {
        Row r = it.next();
        predictions.add((Integer) r.getField("prediction"));
        if (r.getField("prediction").equals(r.getField("label"))) {
          correct++;
        }
      }
    }

    // 6. Accuracy on the held-out images.
    double accuracy = correct / (double) testRows.size();
    log.printf(
        Locale.ROOT, "example-ml: 6. accuracy %.4f on %d test images%n", accuracy, testRows.size());

    // 7. The servable: the saved folder scored with no Flink runtime, the same predictions.
    int same = 0;
    try (TlAlignVitModelServable servable = TlAlignVitModel.loadServable(folder.toString())) {
      DataFrame out = servable.transform(frame(testRows));
      int column = out.getIndex("prediction");
      List<org.apache.flink.ml.servable.api.Row> served = out.collect();
      for (int i = 0; i < testRows.size(); i++) {
        if (served.get(i).get(column).equals(predictions.get(i))) {
          same++;
        }
      }
    }
    double agreement = same / (double) testRows.size();
    log.printf(
        Locale.ROOT, "example-ml: 7. servable agrees with transform on %.4f of rows%n", agreement);
    return new Result(accuracy, agreement, folder);
  }

  private static List<Row> rows(Path data, Split split, int count) throws Exception {
    ImageDataset images = FashionMnist.open(data, split);
    List<Row> rows = new ArrayList<>(count);
    for (int i = 0; i < Math.min(count, images.size()); i++) {
      DatasetImage img = images.image(i);
      rows.add(Row.of(img.id(), img.pixels(), img.label()));
    }
    return rows;
  }

  private static Table table(
      StreamTableEnvironment tEnv, StreamExecutionEnvironment env, List<Row> rows) {
    return tEnv.fromDataStream(env.fromData(rows, ImageRows.TYPE));
  }

  private static DataFrame frame(List<Row> rows) {
    List<org.apache.flink.ml.servable.api.Row> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(new org.apache.flink.ml.servable.api.Row(new ArrayList<>(List.of(r.getField(1)))));
    }
    return new DataFrame(
        new ArrayList<>(List.of("features")), new ArrayList<>(List.of(DataTypes.BYTE_STRING)), out);
  }

  private static Path runFolder(Path out) throws Exception {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path dir = out.resolve("example-ml-" + stamp);
    for (int i = 2; Files.exists(dir); i++) {
      dir = out.resolve("example-ml-" + stamp + "-" + i);
    }
    Files.createDirectories(dir);
    return dir;
  }

  /** {@code java -cp ... io.tlalign.local.example.TlAlignVitExample}, with the defaults. */
  public static void main(String[] args) throws Exception {
    run(new Options(4096, 1000, 2, 64, FashionMnist.DEFAULT_FOLDER, Path.of("runs")), System.out);
  }
}
