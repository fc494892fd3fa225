package io.tlalign.local.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tlalign.datasets.DatasetDownload;
import io.tlalign.datasets.FashionMnistSubset;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the demo's data comes from, with a real HTTP server on loopback standing in for the
 * dataset's mirror: it serves real Fashion-MNIST files, those of the tests' subset ({@link
 * FashionMnistSubset}: the first 3,000 training and 1,000 test images), or altered bytes.
 */
class DemoDataTest {

  private static final Path REAL = FashionMnistSubset.folder();
  private static final List<String> FILES =
      List.of(
          "train-images-idx3-ubyte.gz",
          "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz");

  @TempDir Path dir;

  private HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private volatile boolean corruptTrainImages;
  private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
  private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

  @BeforeEach
  void serveTheRealFiles() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/fashion/",
        exchange -> {
          requests.incrementAndGet();
          String name = exchange.getRequestURI().getPath().substring("/fashion/".length());
          Path file = REAL.resolve(name);
          if (!FILES.contains(name) || !Files.isRegularFile(file)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          byte[] body = Files.readAllBytes(file);
          if (corruptTrainImages && name.startsWith("train-images")) {
            body[body.length / 2] ^= 1;
          }
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream os = exchange.getResponseBody()) {
            os.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String mirror() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/fashion/";
  }

  /** The MD5 of the files as the mirror publishes them, computed here from the files. */
  private static Map<String, String> publishedMd5() throws Exception {
    Map<String, String> m = new LinkedHashMap<>();
    for (String f : FILES) {
      MessageDigest md = MessageDigest.getInstance("MD5");
      m.put(f, HexFormat.of().formatHex(md.digest(Files.readAllBytes(REAL.resolve(f)))));
    }
    return m;
  }

  private DemoData.Sources sources(DatasetDownload download) {
    return new DemoData.Sources(dir.resolve("no-system"), dir.resolve("cache"), false, download);
  }

  @Test
  void downloadsIntoTheCacheWithChecksumsVerifiedThenReusesIt() throws Exception {
    DatasetDownload download = new DatasetDownload(List.of(mirror()), publishedMd5());

    DemoData first = DemoData.resolve(null, sources(download), log);
    assertThat(first.generated()).isFalse();
    assertThat(first.train().size()).isEqualTo(FashionMnistSubset.TRAIN_IMAGES);
    assertThat(first.test().size()).isEqualTo(FashionMnistSubset.TEST_IMAGES);
    assertThat(first.description()).contains(dir.resolve("cache").toString());
    for (String f : FILES) {
      assertThat(dir.resolve("cache").resolve(f)).hasSameBinaryContentAs(REAL.resolve(f));
    }
    assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("(MD5 verified)");
    assertThat(requests.get()).isEqualTo(4);

    DemoData second = DemoData.resolve(null, sources(download), log);
    assertThat(second.generated()).isFalse();
    assertThat(requests.get()).as("the cache is used, nothing fetched again").isEqualTo(4);
  }

  @Test
  void aFileFailingItsChecksumIsDiscardedAndTheDemoFallsBackToGeneratedData() throws Exception {
    corruptTrainImages = true;
    DatasetDownload download = new DatasetDownload(List.of(mirror()), publishedMd5());

    DemoData data = DemoData.resolve(null, sources(download), log);

    assertThat(data.generated()).isTrue();
    assertThat(data.description()).contains("GENERATED");
    String said = logBytes.toString(StandardCharsets.UTF_8);
    assertThat(said).contains("not the published").contains("discarded").contains("cannot get");
    Path cache = dir.resolve("cache");
    assertThat(cache.resolve("train-images-idx3-ubyte.gz")).doesNotExist();
    assertThat(cache.resolve("train-images-idx3-ubyte.gz.part")).doesNotExist();
  }

  @Test
  void theSubsetFilesAreNotThePublishedOnesSoThePublishedChecksumsRefuseThem() throws Exception {
    // The subset's files hold real Fashion-MNIST images but are not the published files: the
    // published MD5s must not match them, which shows the check compares real digests rather than
    // accepting whatever arrives.
    var real = new DatasetDownload(List.of(mirror()), DatasetDownload.FASHION_MNIST_MD5);
    assertThat(real.fetchInto(dir.resolve("strict"), log)).isFalse();
    assertThat(dir.resolve("strict")).isEmptyDirectory();
    assertThat(logBytes.toString(StandardCharsets.UTF_8))
        .contains("not the published 8d4fb7e6c68d591d4c3dfef9ec88bf0d");
  }

  @Test
  void anUnreachableMirrorFallsBackToGeneratedDataSayingSo() throws Exception {
    String dead = mirror();
    server.stop(0);
    DatasetDownload download = new DatasetDownload(List.of(dead), publishedMd5());

    DemoData data = DemoData.resolve(null, sources(download), log);

    assertThat(data.generated()).isTrue();
    assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("failed").contains("offline?");
  }

  @Test
  void theSystemFolderWinsOverTheCacheAndTheDownload() throws Exception {
    var sources = new DemoData.Sources(REAL, dir.resolve("cache"), false, null);
    DemoData data = DemoData.resolve(null, sources, log);
    assertThat(data.generated()).isFalse();
    assertThat(data.description()).contains(REAL.toString());
    assertThat(requests.get()).isZero();
  }
}
