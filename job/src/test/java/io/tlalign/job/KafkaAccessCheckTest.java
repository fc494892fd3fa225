package io.tlalign.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;

class KafkaAccessCheckTest {

  private static Configuration conf() {
    Configuration c = new Configuration();
    c.set(TlAlignOptions.BOOTSTRAP_SERVERS, "127.0.0.1:1");
    return c;
  }

  @Test
  void aBoundedRunWithoutModelStoreReadsTrainAndWritesDeadLettersAndMetricsOnly() {
    Configuration c = conf();
    c.set(TlAlignOptions.BOUNDED, true);
    assertThat(KafkaAccessCheck.requiredTopicOperations(c))
        .containsExactly(
            Map.entry("images.train", Set.of(AclOperation.READ)),
            Map.entry("images.deadletter", Set.of(AclOperation.WRITE)),
            Map.entry("tlalign.metrics", Set.of(AclOperation.WRITE)));
    assertThat(KafkaAccessCheck.groups(c)).containsExactly("tlalign-train");
  }

  @Test
  void evaluationPublishingAndReplicasAddTheirTopicsAndGroups() {
    Configuration c = conf();
    c.set(TlAlignOptions.MODEL_STORE, "file:///tmp/models");
    c.set(TlAlignOptions.REPLICAS, 2);
    Map<String, Set<AclOperation>> ops = KafkaAccessCheck.requiredTopicOperations(c);
    assertThat(ops.get("tlalign.models"))
        .containsExactlyInAnyOrder(AclOperation.WRITE, AclOperation.READ);
    assertThat(ops.get("images.eval")).containsExactly(AclOperation.READ);
    assertThat(ops.get("tlalign.sync"))
        .containsExactlyInAnyOrder(AclOperation.READ, AclOperation.WRITE);
    assertThat(KafkaAccessCheck.groups(c))
        .containsExactly("tlalign-train", "tlalign-train-eval", "tlalign-train-models");
    assertThat(KafkaAccessCheck.transactionalIdProbes(c))
        .containsExactly(
            "tlalign-deadletter-tlalign-train-access-check",
            "tlalign-metrics-tlalign-train-access-check",
            "tlalign-sync-tlalign-train-access-check");
  }

  @Test
  void aRefusedPasswordIsReportedWithoutTheSecret() {
    KafkaClients kafka =
        KafkaClients.of("h:9093", Map.of("sasl.jaas.config", "x password=\"pw-in-message\";"));
    String msg =
        kafka.redact(
            KafkaAccessCheck.connectFailure(
                kafka, new SaslAuthenticationException("bad credentials: pw-in-message")));
    assertThat(msg).contains("authentication failed").doesNotContain("pw-in-message");
  }

  @Test
  void aPlaintextListenerIsNotTakenForTls() throws Exception {
    try (ServerSocket plain = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t =
          new Thread(
              () -> {
                try (Socket s = plain.accept()) {
                  s.getOutputStream().write("not tls\n".getBytes());
                } catch (Exception ignored) {
                  // the probe is gone
                }
              });
      t.start();
      assertThat(KafkaAccessCheck.speaksTls("127.0.0.1:" + plain.getLocalPort())).isFalse();
      t.join(5_000);
    }
  }
}
