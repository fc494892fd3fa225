package io.tlalign.job;

import io.tlalign.job.settings.KafkaClients;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry class of the job jar for {@code flink run} and the Flink Kubernetes Operator. Arguments are
 * {@code --tlalign.key value} pairs (see {@link TlAlignOptions}); keys from the cluster's Flink
 * configuration apply too. It only parses and wires; the graph is {@link TlAlignJob}.
 */
public final class FlinkEntryPoint {

  private FlinkEntryPoint() {}

  public static void main(String[] args) throws Exception {
    Configuration conf = Configuration.fromMap(ParameterTool.fromArgs(args).toMap());
    JobValidation.validate(conf);
    // Refused credentials or ACLs fail here, once, instead of in a restart loop.
    KafkaAccessCheck.verify(conf);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            Configuration.fromMap(KafkaClients.maskedConfiguration(conf.toMap())));
    TlAlignJob.build(env, conf);
    env.execute("tlalign-train");
  }
}
