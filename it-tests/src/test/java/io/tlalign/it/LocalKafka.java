package io.tlalign.it;

import io.tlalign.pipeline.kafka.LocalKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka broker for one test class: started in a forked JVM before the class's
 * {@code @BeforeAll} methods, stopped (and its folder deleted) after its last test. Register it as
 * {@code @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();}.
 */
final class LocalKafka implements BeforeAllCallback, AfterAllCallback {

  private Path folder;
  private LocalKafkaBroker broker;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    folder = Files.createTempDirectory("kafka-");
    broker = LocalKafkaBroker.builder().dataDir(folder).start();
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
    if (broker == null) {
      throw new IllegalStateException("the broker starts before @BeforeAll; register LocalKafka");
    }
    return broker.bootstrapServers();
  }
}
