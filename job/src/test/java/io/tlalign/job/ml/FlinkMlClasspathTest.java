package io.tlalign.job.ml;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** flink-ml-iteration crashes the JVM on Flink >= 1.15: it must never reach the classpath. */
class FlinkMlClasspathTest {

  @Test
  void flinkMlCoreIsHereAndFlinkMlIterationIsNot() {
    assertThatCode(() -> Class.forName("org.apache.flink.ml.api.Estimator"))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> Class.forName("org.apache.flink.iteration.Iterations"))
        .isInstanceOf(ClassNotFoundException.class);
  }
}
