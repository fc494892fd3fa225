package io.tlalign.it;

import io.tlalign.kafka.local.LocalKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka broker for one test class: started in a forked JVM before the class's
 * {@code @BeforeAll} methods, stopped (and its folder deleted) after its last test. Register it as
 * {@code @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();}, or {@link
 * #secured()} for a SASL_SSL broker with ACLs.
 */
final class LocalKafka implements BeforeAllCallback, AfterAllCallback {

  private final boolean secured;
  private Path folder;
  private LocalKafkaBroker broker;

  LocalKafka() {
    this(false);
  }

  private LocalKafka(boolean secured) {
    this.secured = secured;
  }

  /** A broker with SASL_SSL (SCRAM-SHA-512), the standard authorizer and a super user. */
  static LocalKafka secured() {
    return new LocalKafka(true);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    folder = Files.createTempDirectory("kafka-");
    LocalKafkaBroker.Builder b = LocalKafkaBroker.builder().dataDir(folder);
    if (secured) {
      b.secured();
    }
    broker = b.start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    try {
      if (broker != null) {
        broker.close();
      }
    } finally {
      if (folder != null) {
        Files.deleteIfExists(folder);
      }
    }
  }

  String bootstrapServers() {
    return broker().bootstrapServers();
  }

  LocalKafkaBroker broker() {
    if (broker == null) {
      throw new IllegalStateException("the broker starts before @BeforeAll; register LocalKafka");
    }
    return broker;
  }
}
