package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.consistency4j.data.Instance;
import org.consistency4j.data.PromptTemplate;
import org.consistency4j.demo.DemoConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's {@code --help} renders cleanly: exit 0, no picocli format warning, no raw format codes. */
class CliHelpTest {

  private static void collect(CommandLine cli, List<String> prefix, List<List<String>> out) {
    for (var e : cli.getSubcommands().entrySet()) {
      if (!e.getValue().getCommandName().equals(e.getKey())) {
        continue; // an alias
      }
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      out.add(path);
      collect(e.getValue(), path, out);
    }
  }

  @Test
  void every_subcommand_help_renders_without_format_warnings() {
    List<List<String>> commands = new ArrayList<>();
    collect(ConsistencyCli.commandLine(), List.of(), commands);
    assertTrue(commands.size() >= 10, "subcommands found: " + commands);
    PrintStream original = System.err;
    for (List<String> command : commands) {
      ByteArrayOutputStream stderr = new ByteArrayOutputStream();
      System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
      CliRun r;
      try {
        List<String> args = new ArrayList<>(command);
        args.add("--help");
        r = CliRun.of(args.toArray(String[]::new));
      } finally {
        System.setErr(original);
      }
      String name = String.join(" ", command);
      String warnings = stderr.toString(StandardCharsets.UTF_8) + r.err();
      assertEquals(0, r.exitCode(), name + ": " + warnings);
      assertFalse(warnings.contains("Could not format"), name + ": " + warnings);
      assertFalse(r.out().contains("%n") || r.out().contains("%%"), name + ": " + r.out());
      assertTrue(r.out().contains("Usage: consistency " + name), name + ": " + r.out());
    }
  }

  /** The help of a command with runs of white space (line wrapping) made single spaces. */
  private static String help(String... command) {
    List<String> args = new ArrayList<>(List.of(command));
    args.add("--help");
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    return r.out().replaceAll("\\s+", " ");
  }

  /** Statements in help texts that once contradicted the code (found by walking the README). */
  @Test
  void help_texts_agree_with_what_the_commands_do() {
    // pairs: a variant without placeholders gets the input after a blank line, no "Input:" label
    assertEquals("Say:\n\nhi", PromptTemplate.fill("Say:", Instance.of("hi", List.of())));
    String pairs = help("pairs");
    assertTrue(pairs.contains("gets the input appended after a blank line"), pairs);
    assertFalse(pairs.contains("Input: ..."), pairs);
    // demo: no judge phase by default, and --device can pick a GPU
    assertEquals(0, DemoConfig.defaults().judgeEpochs());
    String demo = help("demo");
    assertFalse(demo.contains("teaches it to judge"), demo);
    assertTrue(demo.contains("--device"), demo);
    assertFalse(demo.contains("CPU only"), demo);
    // generate runs every supported family, not only Llama
    String generate = help("generate");
    assertFalse(generate.contains("Llama-family"), generate);
    assertTrue(generate.contains("Gemma"), generate);
    // train sft has no --adapter option, so its --quantize help must not offer one
    String sft = help("train", "sft");
    assertFalse(sft.contains("--lora-rank or --adapter"), sft);
  }
}
