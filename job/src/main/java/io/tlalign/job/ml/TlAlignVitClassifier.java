package io.tlalign.job.ml;

import io.tlalign.job.TlAlignJob;
import io.tlalign.job.operators.AugmentFunction;
import io.tlalign.job.operators.DecodeAndValidate;
import io.tlalign.job.operators.PairAndCutMixOperator;
import io.tlalign.job.operators.SequenceAssigner;
import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.ml.api.Estimator;
import org.apache.flink.ml.common.datastream.TableUtils;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.util.ParamUtils;
import org.apache.flink.ml.util.ReadWriteUtils;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.internal.TableImpl;
import org.apache.flink.types.Row;

/**
 * Trains a TL-Align ViT on a bounded table of labeled images: the Flink ML {@link Estimator} of
 * {@link TlAlignVitModel}.
 *
 * <p>{@link #fit} runs the streaming job's own operators on the table: each row becomes the {@code
 * LabeledImage} record a producer would send, then sequence numbers, decode and validation ({@link
 * DecodeAndValidate}), augmentation ({@link AugmentFunction}), pairing and CutMix ({@link
 * PairAndCutMixOperator} with {@link TlAlignJob#batchMixer}) and the {@code TrainingSession} opened
 * from the same {@link TrainerSettings}. A row that validation refuses fails the fit, naming the
 * row and the reason.
 *
 * <p>Unlike most Flink ML estimators, fit is eager: it runs two jobs on the table's environment (a
 * count of the rows, which sets the length of the learning-rate schedule, then the training) and
 * returns a model whose data is in memory, so transforming or saving it never trains again. Rows
 * are trained in the order they reach the fit: a parallelism-1 source keeps the table's order.
 */
public class TlAlignVitClassifier
    implements Estimator<TlAlignVitClassifier, TlAlignVitModel>,
        TlAlignVitClassifierParams<TlAlignVitClassifier> {

  private static final long serialVersionUID = 1L;

  private final Map<Param<?>, Object> paramMap = new HashMap<>();

  public TlAlignVitClassifier() {
    ParamUtils.initializeMapWithDefaultValues(paramMap, this);
  }

  @Override
  public Map<Param<?>, Object> getParamMap() {
    return paramMap;
  }

  @Override
  public TlAlignVitModel fit(Table... inputs) {
    if (inputs.length != 1) {
      throw new IllegalArgumentException(
          "fit takes one table of labeled images, got " + inputs.length);
    }
    Table input = inputs[0];
    StreamTableEnvironment tEnv =
        (StreamTableEnvironment) ((TableImpl) input).getTableEnvironment();
    List<String> columns = input.getResolvedSchema().getColumnNames();
    int features = column(columns, getFeaturesCol(), FEATURES_COL);
    int label = column(columns, getLabelCol(), LABEL_COL);
    int id = getIdCol() == null ? -1 : column(columns, getIdCol(), ID_COL);

    // Settings and init-from weights are checked before any job runs (the schedule's length, set
    // from the row count below, changes neither).
    TrainerSettings.from(options(Long.MAX_VALUE)).loadInitialWeights();
    long rows = countRows(tEnv, input);
    if (rows == 0) {
      throw new IllegalArgumentException("the training table is empty; fit needs labeled images");
    }
    long steps = (rows + getBatchSize() - 1) / getBatchSize() * getEpochs();
    if (getWarmupSteps() >= steps) {
      throw new IllegalArgumentException(
          "warmupSteps "
              + getWarmupSteps()
              + " is not below the fit's "
              + steps
              + " steps ("
              + rows
              + " rows in batches of "
              + getBatchSize()
              + ", "
              + getEpochs()
              + " epochs); lower warmupSteps or raise epochs");
    }
    Configuration conf = options(steps);
    TrainerSettings settings = TrainerSettings.from(conf);
    settings.trainingConfig(); // every other setting checked here, before the training job
    VitConfig model = settings.model();

    DataStream<KafkaRecord> records =
        tEnv.toDataStream(input)
            .map(
                new RowToRecord(
                    features, label, id, model.channels(), model.imageHeight(), model.imageWidth()))
            .setParallelism(1)
            .name("fit-rows-to-records");
    if (getEpochs() > 1) {
      records =
          records
              .transform(
                  "fit-epochs",
                  TypeInformation.of(KafkaRecord.class),
                  new EpochRepeater(getEpochs(), getSeed()))
              .setParallelism(1);
    }
    records = records.map(new SequenceAssigner()).setParallelism(1).name("sequence");

    SingleOutputStreamOperator<TrainingImage> images =
        records.process(TlAlignJob.trainingDecode(settings, conf)).name("decode");
    images
        .getSideOutput(DecodeAndValidate.DEAD_LETTERS)
        .map(new RefuseBadRows())
        .name("refuse-bad-rows")
        .sinkTo(new DiscardingSink<>());
    DataStream<TrainingImage> augmented =
        getAugment()
            ? images.map(new AugmentFunction(settings.seed(), 2, settings.data())).name("augment")
            : images;
    DataStream<byte[]> state =
        augmented
            .transform(
                "pair-and-cutmix",
                TypeInformation.of(TrainingBatch.class),
                new PairAndCutMixOperator(
                    getBatchSize(), TlAlignJob.batchMixer(settings, getCutMixAlpha())))
            .setParallelism(1)
            .setMaxParallelism(1)
            .transform(
                "fit-train",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
                new FitTrainOperator(settings))
            .setParallelism(1)
            .setMaxParallelism(1);

    List<byte[]> states;
    try {
      states = state.executeAndCollect("tlalign-vit-fit", 2);
    } catch (Exception e) {
      throw new IllegalStateException("fit failed: " + rootMessage(e), e);
    }
    if (states.size() != 1) {
      throw new IllegalStateException("fit produced " + states.size() + " states, expected 1");
    }
    TlAlignVitModel fitted = new TlAlignVitModel().setModelData(tEnv, states.get(0));
    ParamUtils.updateExistingParams(fitted, getParamMap());
    return fitted;
  }

  /** The streaming job's options for these params, with the schedule's length. */
  Configuration options(long totalSteps) {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.MODEL, getPreset());
    conf.set(TlAlignOptions.NUM_CLASSES, getNumClasses());
    conf.set(TlAlignOptions.MIXING, TargetMode.of(getMixing()));
    conf.set(TlAlignOptions.CUTMIX_ALPHA, getCutMixAlpha());
    conf.set(TlAlignOptions.LABEL_SMOOTHING, getLabelSmoothing());
    conf.set(TlAlignOptions.BATCH_SIZE, getBatchSize());
    conf.set(TlAlignOptions.LEARNING_RATE, getLearningRate());
    conf.set(TlAlignOptions.WARMUP_STEPS, getWarmupSteps());
    conf.set(TlAlignOptions.TOTAL_STEPS, totalSteps);
    conf.set(TlAlignOptions.SEED, getSeed());
    conf.set(TlAlignOptions.AUGMENT, getAugment());
    if (getInitFrom() != null) {
      conf.set(TlAlignOptions.INIT_FROM, getInitFrom());
    }
    if (getScale() != null) {
      conf.set(TlAlignOptions.SCALE, List.of(getScale()));
    }
    if (getRatio() != null) {
      conf.set(TlAlignOptions.RATIO, List.of(getRatio()));
    }
    conf.set(TlAlignOptions.HFLIP, getHflip());
    if (getCropPct() != null) {
      conf.set(TlAlignOptions.CROP_PCT, getCropPct());
    }
    if (getInterpolation() != null) {
      conf.set(
          TlAlignOptions.INTERPOLATION,
          DataConfig.Interpolation.valueOf(getInterpolation().trim().toUpperCase(Locale.ROOT)));
    }
    if (getMean() != null) {
      conf.set(TlAlignOptions.MEAN, List.of(getMean()));
    }
    if (getStd() != null) {
      conf.set(TlAlignOptions.STD, List.of(getStd()));
    }
    return conf;
  }

  /**
   * Counts the rows with an accumulator, not a collect: on a per-job local cluster the collect
   * result fetcher can report its end after the cluster stopped ("some data might be lost").
   */
  private static long countRows(StreamTableEnvironment tEnv, Table input) {
    tEnv.toDataStream(input)
        .map(new CountRows())
        .name("fit-count-rows")
        .sinkTo(new DiscardingSink<>());
    try {
      Long n =
          TableUtils.getExecutionEnvironment(tEnv)
              .execute("tlalign-vit-fit-count")
              .getAccumulatorResult(CountRows.ACCUMULATOR);
      return n == null ? 0 : n;
    } catch (Exception e) {
      throw new IllegalStateException("counting the training table's rows failed: " + e, e);
    }
  }

  /** Counts rows into the accumulator {@value #ACCUMULATOR}. */
  private static final class CountRows extends RichMapFunction<Row, Integer> {
    static final String ACCUMULATOR = "tlalign-fit-rows";
    private final LongCounter rows = new LongCounter();

    @Override
    public void open(OpenContext ctx) {
      getRuntimeContext().addAccumulator(ACCUMULATOR, rows);
    }

    @Override
    public Integer map(Row row) {
      rows.add(1L);
      return 1; // not the row: its generic type would go through Kryo
    }
  }

  private static int column(List<String> columns, String name, Param<String> param) {
    int i = columns.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException(
          "the training table has no column "
              + name
              + " (columns: "
              + String.join(", ", columns)
              + "); set "
              + param.name
              + " to the right column");
    }
    return i;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  @Override
  public void save(String path) throws IOException {
    ReadWriteUtils.saveMetadata(this, path);
  }

  /** Loads an estimator saved by {@link #save}. */
  public static TlAlignVitClassifier load(StreamTableEnvironment tEnv, String path)
      throws IOException {
    return ReadWriteUtils.loadStageParam(path);
  }
}
