package io.tlalign.kafka.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What makes a {@link LocalKafkaBroker} secured: a SASL_SSL client listener (SCRAM-SHA-512), a
 * controller listener that takes only the broker's own certificate (mutual TLS), the standard KRaft
 * authorizer with no access unless an ACL grants it, and a super user {@value #ADMIN_USER} whose
 * SCRAM credential is written at storage format time.
 *
 * <p>The TLS material is made at start with the JDK's {@code keytool}, nothing downloaded: a
 * self-signed CA, the broker's key pair with a certificate for 127.0.0.1 signed by it, the broker
 * keystore and a truststore holding the CA (what clients need). Passwords are random per broker.
 */
public final class BrokerSecurity {

  /** The super user: the tests' and tools' administrator, and the broker between listeners. */
  public static final String ADMIN_USER = "admin";

  /** The SASL mechanism of the client listener. */
  public static final String MECHANISM = "SCRAM-SHA-512";

  /** The broker certificate's subject: its principal on the controller listener. */
  static final String BROKER_DN = "CN=tlalign-local-broker";

  private static final String PKCS12 = "PKCS12";

  /** How long the CA and broker certificates are valid, in days (keytool -validity). */
  private static final String VALIDITY_DAYS = "30";

  private final Path keystore;
  private final Path truststore;
  private final String storePassword;
  private final String adminPassword;

  private BrokerSecurity(
      Path keystore, Path truststore, String storePassword, String adminPassword) {
    this.keystore = keystore;
    this.truststore = truststore;
    this.storePassword = storePassword;
    this.adminPassword = adminPassword;
  }

  /** Makes the CA, the broker keystore and the truststore in {@code dir/tls}. */
  static BrokerSecurity create(Path dir, long deadlineNanos) {
    Path tls = dir.resolve("tls");
    String pass = randomSecret();
    try {
      Files.createDirectories(tls);
      Keytool keytool = new Keytool(tls, deadlineNanos, pass);
      keytool.genKeyPair("ca", "CN=tlalign-local-ca", "ca.p12", "-ext", "bc:c");
      keytool.run(
          "-exportcert",
          "-rfc",
          "-alias",
          "ca",
          "-keystore",
          "ca.p12",
          "-storepass",
          pass,
          "-file",
          "ca.pem");
      keytool.genKeyPair("broker", BROKER_DN, "broker.p12");
      keytool.run(
          "-certreq",
          "-alias",
          "broker",
          "-keystore",
          "broker.p12",
          "-storepass",
          pass,
          "-file",
          "broker.csr");
      keytool.run(
          "-gencert",
          "-alias",
          "ca",
          "-keystore",
          "ca.p12",
          "-storepass",
          pass,
          "-infile",
          "broker.csr",
          "-outfile",
          "broker.pem",
          "-rfc",
          "-validity",
          VALIDITY_DAYS,
          "-ext",
          "SAN=ip:127.0.0.1,dns:localhost",
          "-ext",
          "EKU=serverAuth,clientAuth");
      keytool.importCert("ca", "ca.pem", "broker.p12");
      keytool.importCert("broker", "broker.pem", "broker.p12");
      keytool.importCert("ca", "ca.pem", "truststore.p12", "-storetype", PKCS12);
      Files.deleteIfExists(tls.resolve("ca.p12")); // the CA key is not needed any more
    } catch (IOException e) {
      throw new KafkaBrokerStartException("cannot make the broker's TLS material in " + tls, e);
    }
    return new BrokerSecurity(
        tls.resolve("broker.p12"), tls.resolve("truststore.p12"), pass, randomSecret());
  }

  /** The truststore (PKCS12) holding the CA that signed the broker's certificate. */
  public Path truststore() {
    return truststore;
  }

  /** The truststore's password. */
  public String truststorePassword() {
    return storePassword;
  }

  /** The super user's password. */
  public String adminPassword() {
    return adminPassword;
  }

  /**
   * Client properties for {@code user}: SASL_SSL, SCRAM-SHA-512, the truststore. Inline password:
   * for tests and tools on this machine; see the README for config providers.
   */
  public Map<String, String> clientProperties(String user, String password) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("security.protocol", "SASL_SSL");
    p.put("sasl.mechanism", MECHANISM);
    p.put("sasl.jaas.config", jaas(user, password));
    p.put("ssl.truststore.location", truststore.toString());
    p.put("ssl.truststore.password", storePassword);
    p.put("ssl.truststore.type", PKCS12);
    return p;
  }

  /** {@link #clientProperties} of the super user. */
  public Map<String, String> adminClientProperties() {
    return clientProperties(ADMIN_USER, adminPassword);
  }

  /** The SCRAM login line for {@code user}. */
  public static String jaas(String user, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user
        + "\" password=\""
        + password
        + "\";";
  }

  /** The broker's lines of server.properties for its two ports. */
  Map<String, String> serverProperties(int port, int controllerPort) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put(
        "listeners", "SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + port);
    p.put("inter.broker.listener.name", "SASL_SSL");
    p.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SSL");
    p.put("sasl.enabled.mechanisms", MECHANISM);
    p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
    p.put(
        "listener.name.sasl_ssl." + MECHANISM.toLowerCase() + ".sasl.jaas.config",
        jaas(ADMIN_USER, adminPassword));
    p.put("ssl.keystore.type", PKCS12);
    p.put("ssl.keystore.location", keystore.toString());
    p.put("ssl.keystore.password", storePassword);
    p.put("ssl.key.password", storePassword);
    p.put("ssl.truststore.type", PKCS12);
    p.put("ssl.truststore.location", truststore.toString());
    p.put("ssl.truststore.password", storePassword);
    // Only a certificate signed by the CA (the broker's own) may talk to the controller.
    p.put("listener.name.controller.ssl.client.auth", "required");
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("super.users", "User:" + ADMIN_USER + ";User:" + BROKER_DN);
    p.put("allow.everyone.if.no.acl.found", "false");
    return p;
  }

  /** The storage tool's arguments that write the super user's SCRAM credential. */
  List<String> formatArguments() {
    return List.of(
        "--add-scram", MECHANISM + "=[name=" + ADMIN_USER + ",password=" + adminPassword + "]");
  }

  /** The JDK's keytool run in one folder against one deadline, every store with one password. */
  private static final class Keytool {
    private final Path dir;
    private final long deadlineNanos;
    private final String pass;

    Keytool(Path dir, long deadlineNanos, String pass) {
      this.dir = dir;
      this.deadlineNanos = deadlineNanos;
      this.pass = pass;
    }

    /**
     * -genkeypair: an EC P-256 key and its self-signed certificate under {@code alias} in a new
     * PKCS12 {@code keystore}; {@code extra} goes after the subject (the CA's basic constraints).
     */
    void genKeyPair(String alias, String dname, String keystore, String... extra)
        throws IOException {
      List<String> args = new ArrayList<>();
      Collections.addAll(args, "-genkeypair", "-alias", alias, "-keyalg", "EC");
      Collections.addAll(args, "-groupname", "secp256r1", "-dname", dname);
      Collections.addAll(args, extra);
      Collections.addAll(args, "-validity", VALIDITY_DAYS, "-keystore", keystore);
      Collections.addAll(args, "-storetype", PKCS12, "-storepass", pass, "-keypass", pass);
      run(args.toArray(String[]::new));
    }

    /**
     * -importcert: the certificate in {@code file} as the trusted entry {@code alias} of {@code
     * keystore}; {@code extra} goes before the password (the store type of a new store).
     */
    void importCert(String alias, String file, String keystore, String... extra)
        throws IOException {
      List<String> args = new ArrayList<>();
      Collections.addAll(args, "-importcert", "-noprompt", "-alias", alias, "-file", file);
      Collections.addAll(args, "-keystore", keystore);
      Collections.addAll(args, extra);
      Collections.addAll(args, "-storepass", pass);
      run(args.toArray(String[]::new));
    }

    void run(String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
      cmd.addAll(List.of(args));
      Path out = dir.resolve("keytool.out");
      Process p =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
              .start();
      try {
        long wait = Math.max(1, deadlineNanos - System.nanoTime());
        if (!p.waitFor(wait, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
          throw new KafkaBrokerStartException(
              "keytool " + args[0] + " did not finish in time", null);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new KafkaBrokerStartException("interrupted while running keytool", e);
      }
      if (p.exitValue() != 0) {
        throw new KafkaBrokerStartException(
            "keytool "
                + args[0]
                + " failed with exit code "
                + p.exitValue()
                + ": "
                + Files.readString(out, StandardCharsets.UTF_8).strip(),
            null);
      }
    }
  }

  private static String randomSecret() {
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }
}
