package io.tlalign.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gets a dataset's published files into a cache folder the way dataset loaders do (torchvision,
 * Keras): each file from the first mirror that serves it, its MD5 checked against the published
 * checksum before it takes its final name. A file that fails its checksum is deleted, never used;
 * files already in the cache with the right checksum are not fetched again.
 */
public final class DatasetDownload {

  /**
   * Fashion-MNIST's files and their published MD5 checksums (the ones torchvision and the dataset's
   * own README list).
   */
  public static final Map<String, String> FASHION_MNIST_MD5 = fashionMnistChecksums();

  /** The dataset's published download locations, tried in order. */
  public static final List<String> FASHION_MNIST_MIRRORS =
      List.of(
          "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
          "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

  private final List<String> mirrors;
  private final Map<String, String> md5ByFile;
  private final HttpClient http;

  public DatasetDownload(List<String> mirrors, Map<String, String> md5ByFile) {
    if (mirrors.isEmpty() || md5ByFile.isEmpty()) {
      throw new IllegalArgumentException("need at least one mirror and one file");
    }
    this.mirrors = List.copyOf(mirrors);
    this.md5ByFile = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(md5ByFile));
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /** Fashion-MNIST from its published mirrors. */
  public static DatasetDownload fashionMnist() {
    return new DatasetDownload(FASHION_MNIST_MIRRORS, FASHION_MNIST_MD5);
  }

  /**
   * Fetches every file that {@code folder} lacks (or holds with a wrong checksum).
   *
   * @return true when every file is in {@code folder} with its published checksum
   */
  public boolean fetchInto(Path folder, PrintStream log) throws IOException {
    Files.createDirectories(folder);
    boolean all = true;
    for (Map.Entry<String, String> f : md5ByFile.entrySet()) {
      Path target = folder.resolve(f.getKey());
      if (Files.isRegularFile(target) && f.getValue().equals(md5(target))) {
        continue;
      }
      if (!fetchOne(f.getKey(), f.getValue(), target, log)) {
        all = false;
      }
    }
    return all;
  }

  private boolean fetchOne(String name, String expectedMd5, Path target, PrintStream log) {
    for (String mirror : mirrors) {
      URI uri = URI.create(mirror.endsWith("/") ? mirror + name : mirror + "/" + name);
      Path part = target.resolveSibling(name + ".part");
      try {
        String actual = download(uri, part);
        if (!expectedMd5.equals(actual)) {
          log.println(
              "download: "
                  + uri
                  + " has MD5 "
                  + actual
                  + ", not the published "
                  + expectedMd5
                  + "; discarded");
          continue;
        }
        Files.move(
            part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.println("download: " + uri + " -> " + target + " (MD5 verified)");
        return true;
      } catch (IOException e) {
        log.println("download: " + uri + " failed: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        try {
          Files.deleteIfExists(part);
        } catch (IOException ignored) {
          // a leftover .part is never read: only verified files get their final name
        }
      }
    }
    return false;
  }

  /** Streams {@code uri} into {@code part}; returns the MD5 of what was written. */
  private String download(URI uri, Path part) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET().build();
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("HTTP " + response.statusCode());
      }
      MessageDigest md5 = md5Digest();
      try (InputStream in = new DigestInputStream(body, md5);
          OutputStream out = Files.newOutputStream(part)) {
        in.transferTo(out);
      }
      return HexFormat.of().formatHex(md5.digest());
    }
  }

  /** The MD5 of a file, lower-case hex. */
  public static String md5(Path file) throws IOException {
    MessageDigest md5 = md5Digest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md5)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md5.digest());
  }

  private static MessageDigest md5Digest() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks MD5", e);
    }
  }

  private static Map<String, String> fashionMnistChecksums() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d");
    m.put("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe");
    m.put("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79");
    m.put("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310");
    return java.util.Collections.unmodifiableMap(m);
  }
}
