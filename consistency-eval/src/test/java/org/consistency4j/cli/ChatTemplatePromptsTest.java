package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.Reports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local models see instructions through their chat template by default, raw with the flag off. */
class ChatTemplatePromptsTest {
  static final OnnxLanguageModel.PromptOverflow ERROR = OnnxLanguageModel.PromptOverflow.ERROR;
  static final String INSTRUCTION = "Sentiment of: good film";

  Path tiny() throws Exception {
    return Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
  }

  @Test
  void a_model_with_a_chat_template_sees_the_templated_prompt_and_with_the_flag_off_the_raw_one()
      throws Exception {
    GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(4).temperature(0).build();
    try (LanguageModel templated = LocalModels.open(tiny(), null, ERROR, true);
        LanguageModel raw = LocalModels.open(tiny(), null, ERROR, false);
        OnnxLanguageModel direct = OnnxLanguageModel.load(tiny(), RuntimeOptions.cpu())) {
      String prompt = direct.tokenizer().instructionPrompt(INSTRUCTION);
      assertEquals("user: Sentiment of: good film\nassistant: ", prompt);
      double viaTemplate = templated.score(INSTRUCTION, " positive").sum();
      double viaRaw = raw.score(INSTRUCTION, " positive").sum();
      assertEquals(direct.score(prompt, " positive").sum(), viaTemplate, 1e-9);
      assertEquals(direct.score(INSTRUCTION, " positive").sum(), viaRaw, 1e-9);
      assertNotEquals(viaTemplate, viaRaw, 1e-6);
      assertEquals(direct.generate(prompt, greedy).text(), templated.generate(INSTRUCTION, greedy).text());
      assertEquals(direct.generate(INSTRUCTION, greedy).text(), raw.generate(INSTRUCTION, greedy).text());
      assertEquals(direct.name(), templated.name());
    }
  }

  /** A copy of the tiny model whose tokenizer config has {@code template} (none if null). */
  Path withTemplate(Path dir, String template) throws Exception {
    Path copy = dir.resolve("model");
    Files.createDirectories(copy);
    try (Stream<Path> files = Files.list(tiny())) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName().toString()));
      }
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(copy.resolve("tokenizer_config.json").toFile());
    if (template == null) {
      config.remove("chat_template");
    } else {
      config.put("chat_template", template);
    }
    json.writeValue(copy.resolve("tokenizer_config.json").toFile(), config);
    return copy;
  }

  @Test
  void a_model_without_a_jinja_template_sees_the_raw_prompt_by_default(@TempDir Path dir)
      throws Exception {
    Path copy = withTemplate(dir, null);
    try (LanguageModel byDefault = LocalModels.open(copy, null, ERROR, true);
        OnnxLanguageModel direct = OnnxLanguageModel.load(copy, RuntimeOptions.cpu())) {
      assertEquals(direct.score(INSTRUCTION, " positive").sum(),
          byDefault.score(INSTRUCTION, " positive").sum(), 1e-9);
    }
  }

  static Path tasks(Path dir) throws Exception {
    Path data = dir.resolve("tasks.jsonl");
    Files.writeString(data, "{\"task\": \"sentiment\", \"variants\": [\"Sentiment of: {input}\","
        + " \"Review:\"], \"instances\": [{\"input\": \"good film\", \"references\": [\"positive\"]}]}\n");
    return data;
  }

  @Test
  void a_template_that_fails_on_the_prompts_is_a_one_line_bad_input_error(@TempDir Path dir)
      throws Exception {
    Path model = withTemplate(dir, "{% if messages[0].role != 'system' %}"
        + "{{ raise_exception('a system message is required') }}{% endif %}");
    Path data = tasks(dir);
    CliRun r = EvaluateCommandTest.run("evaluate", "--model", model.toString(),
        "--data", data.toString(), "--similarity", "exact", "--out", dir.resolve("out").toString(),
        "--no-progress", "--resamples", "10", "--max-new-tokens", "2");
    assertEquals(2, r.exitCode(), r.err());
    assertEquals("consistency evaluate: chat template line 1, column 56: raise_exception: a system"
        + " message is required", r.err().strip());
    r = EvaluateCommandTest.run("evaluate", "--model", model.toString(), "--data", data.toString(),
        "--similarity", "exact", "--out", dir.resolve("out2").toString(), "--no-progress",
        "--resamples", "10", "--max-new-tokens", "2", "--no-chat-template");
    assertEquals(0, r.exitCode(), r.err());
  }

  @Test
  void evaluate_records_whether_the_chat_template_was_used(@TempDir Path dir) throws Exception {
    Path data = tasks(dir);
    for (boolean off : List.of(false, true)) {
      Path out = dir.resolve("out-" + off);
      List<String> args = new java.util.ArrayList<>(List.of("evaluate", "--model", tiny().toString(),
          "--data", data.toString(), "--similarity", "exact", "--out", out.toString(), "--no-progress",
          "--resamples", "10", "--max-new-tokens", "2"));
      if (off) {
        args.add("--no-chat-template");
      }
      CliRun r = EvaluateCommandTest.run(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), r.err());
      EvaluationReport report = Reports.readJson(out.resolve("report.json"));
      assertEquals(Boolean.toString(!off), report.config().get("chat_template"));
    }
  }
}
