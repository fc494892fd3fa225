package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tlalign.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tlalign demo --data DIR} on an image folder of mixed formats and sizes ({@link
 * MixedImageFolder}: 20 images in 3 classes, PNG RGB/RGBA/palette/grey/16-bit grey and JPEG colour
 * and grey, 17x23 to 500x375, plus a file named .png that is no image), end to end and small: its
 * own broker, the files replayed as their PNG/JPEG bytes, the real job decoding them into deit-tiny
 * input, the held-out test split scored, the report and the export written; and once more on
 * vit-tiny-fm from pretrained weights of another class count.
 */
class ImageFolderDemoITCase {

  private static final int STEPS = 4;
  private static final int BATCH = 8;
  private static final Pattern LAST =
      Pattern.compile(
          "demo: test_accuracy=(\\S+) steps=(\\d+) images_per_s=\\S+ skipped=(\\d+)"
              + " dead_lettered=(\\d+) report=(\\S+)");

  @TempDir Path tmp;

  @Test
  void trainsOnTheFolderSkippingTheUnreadableFileAndNamesTheClasses() throws Exception {
    Path folder = tmp.resolve("mixed");
    MixedImageFolder.write(folder);

    StringWriter stdout = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(stdout, true));
    int exit =
        cl.execute(
            "demo",
            "--data",
            folder.toString(),
            "--model",
            "deit-tiny",
            "--steps",
            "" + STEPS,
            "--batch-size",
            "" + BATCH,
            "--seed",
            "3",
            "--out",
            tmp.resolve("runs").toString());
    assertThat(exit).as(stdout.toString()).isZero();

    List<String> lines = stdout.toString().lines().toList();
    String last = lines.get(lines.size() - 1);
    Matcher m = LAST.matcher(last);
    assertThat(m.matches()).as(last).isTrue();
    assertThat(Long.parseLong(m.group(2))).isEqualTo(STEPS);
    assertThat(m.group(3)).as("the one file that is no image").isEqualTo("1");
    assertThat(m.group(4)).as("every mixed-format image accepted by the job").isEqualTo("0");

    Path report = Path.of(m.group(5));
    String text = Files.readString(report);
    assertThat(text).contains("| Classes | 3: checks, rings, stripes |");
    assertThat(text).contains("| Model | deit-tiny |");
    Matcher skipped =
        Pattern.compile("- `mixed/(train|test)/stripes/notes.png`: .*not an image").matcher(text);
    assertThat(skipped.find()).as(text).isTrue();
    assertThat(text).contains("## Dead letters\n\nNone");
    // 7, 7 and 7 files: one of each class held out; if that was notes.png, 2 are scored
    Matcher scored = Pattern.compile("\\((\\d+) of (\\d+) test images").matcher(text);
    assertThat(scored.find()).as(text).isTrue();
    int total = Integer.parseInt(scored.group(2));
    assertThat(total).isEqualTo(skipped.group(1).equals("test") ? 2 : 3);
    assertThat(Double.parseDouble(m.group(1)))
        .isCloseTo(Integer.parseInt(scored.group(1)) / (double) total, within(1e-4));

    Path export = report.getParent().resolve("model");
    JsonObject config =
        JsonParser.parseString(Files.readString(export.resolve("config.json"))).getAsJsonObject();
    assertThat(config.get("label_names").toString())
        .isEqualTo("[\"checks\",\"rings\",\"stripes\"]");
    assertThat(config.get("num_classes").getAsInt()).isEqualTo(3);
    assertThat(config.get("input_size").toString()).isEqualTo("[3,224,224]");
    assertThat(export.resolve("model.safetensors")).isNotEmptyFile();
  }

  @Test
  void startsFromPretrainedWeightsWithTheHeadReinitialisedForTheFolder() throws Exception {
    Path folder = tmp.resolve("mixed");
    MixedImageFolder.write(folder);
    // the PyTorch reference's random vit-tiny-fm weights, 10 classes, timm names
    Path weights = Path.of("../model/src/test/resources/weights/vit-tiny-fm-timm.safetensors");

    StringWriter stdout = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(stdout, true));
    int exit =
        cl.execute(
            "demo",
            "--data",
            folder.toString(),
            "--init-from",
            weights.toString(),
            "--steps",
            "" + STEPS,
            "--batch-size",
            "" + BATCH,
            "--out",
            tmp.resolve("runs").toString());
    assertThat(exit).as(stdout.toString()).isZero();

    assertThat(stdout.toString())
        .contains("demo: init-from: re-initialised the head for 3 classes (the file's has 10)");
    List<String> lines = stdout.toString().lines().toList();
    Matcher m = LAST.matcher(lines.get(lines.size() - 1));
    assertThat(m.matches()).as(lines.get(lines.size() - 1)).isTrue();
    assertThat(m.group(3)).isEqualTo("1");
    assertThat(m.group(4)).isEqualTo("0");
    JsonObject config =
        JsonParser.parseString(
                Files.readString(Path.of(m.group(5)).getParent().resolve("model/config.json")))
            .getAsJsonObject();
    assertThat(config.get("input_size").toString()).isEqualTo("[1,28,28]");
    assertThat(config.get("label_names").toString())
        .isEqualTo("[\"checks\",\"rings\",\"stripes\"]");
  }
}
