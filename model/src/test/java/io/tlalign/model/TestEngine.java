package io.tlalign.model;

import ai.djl.engine.Engine;
import java.nio.file.Path;

/** Starts the engine for tests: offline, cache under target/, one intra-op thread. */
public final class TestEngine {

  private TestEngine() {}

  public static Engine start() {
    String cache = System.getProperty("DJL_CACHE_DIR", "target/djl-cache");
    return EngineSetup.start(new EngineOptions(Path.of(cache), 1, 1));
  }
}
