package org.consistency4j.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolvedModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.consistency4j.cli.ConsistencyCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The module descriptors of consistency-core, -train and -eval, checked on the module path the
 * library's users would build: this module's built classes plus its runtime dependencies as Maven
 * resolves them (target/runtime-classpath.txt, written by the dependency plugin). The tests
 * themselves run on the class path (see the surefire configuration in the parent POM).
 */
class ModuleDescriptorsTest {
  private static final String CORE = "org.consistency4j.core";
  private static final String TRAIN = "org.consistency4j.train";
  private static final String EVAL = "org.consistency4j.eval";
  private static final String INTERNAL = "org.consistency4j.internal";

  private static Configuration configuration;

  @BeforeAll
  static void resolve() throws IOException {
    Path listing = Path.of("target/runtime-classpath.txt");
    assertTrue(Files.isRegularFile(listing),
        listing.toAbsolutePath() + " is missing: run the test through Maven (generate-test-resources"
            + " writes it)");
    List<Path> modulePath = new ArrayList<>();
    modulePath.add(Path.of("target/classes"));
    for (String entry : Files.readString(listing).strip().split(java.io.File.pathSeparator)) {
      modulePath.add(Path.of(entry));
    }
    ModuleFinder finder = ModuleFinder.of(modulePath.toArray(new Path[0]));
    configuration = ModuleLayer.boot().configuration()
        .resolveAndBind(finder, ModuleFinder.of(), Set.of(EVAL));
  }

  private static ModuleDescriptor descriptor(String name) {
    return configuration.findModule(name).orElseThrow().reference().descriptor();
  }

  @Test
  void the_three_library_modules_resolve_as_explicit_modules_with_their_dependencies() {
    for (String name : List.of(CORE, TRAIN, EVAL)) {
      ModuleDescriptor d = descriptor(name);
      assertFalse(d.isAutomatic(), name + " has no module-info");
      assertFalse(d.isOpen(), name + " must not be an open module");
    }
    Set<String> resolved = configuration.modules().stream().map(ResolvedModule::name)
        .collect(Collectors.toSet());
    for (String dependency : List.of("com.microsoft.onnxruntime", "ai.djl.tokenizers",
        "com.fasterxml.jackson.databind", "org.slf4j", "info.picocli", "me.tongfei.progressbar",
        "commons.math3", "extjwnl", "org.tribuo.util.onnx", "com.google.protobuf")) {
      assertTrue(resolved.contains(dependency), dependency + " is not resolved: " + resolved);
    }
    // The logging backend is bound as a service provider of org.slf4j.
    assertTrue(resolved.contains("org.slf4j.simple"), resolved.toString());
    ResolvedModule eval = configuration.findModule(EVAL).orElseThrow();
    assertTrue(eval.reads().stream().anyMatch(m -> m.name().equals(CORE)),
        "eval must read core through train's requires transitive");
  }

  @Test
  void every_package_but_internal_is_exported_and_internal_only_to_train_and_eval() {
    for (String name : List.of(CORE, TRAIN, EVAL)) {
      ModuleDescriptor d = descriptor(name);
      Set<String> unqualified = new TreeSet<>();
      for (ModuleDescriptor.Exports e : d.exports()) {
        if (!e.isQualified()) {
          unqualified.add(e.source());
        }
      }
      Set<String> api = new TreeSet<>(d.packages());
      api.remove(INTERNAL);
      assertEquals(api, unqualified, name + ": exported packages (a new package must be added to"
          + " module-info.java, or be internal)");
    }
    Map<String, Set<String>> qualified = descriptor(CORE).exports().stream()
        .filter(ModuleDescriptor.Exports::isQualified)
        .collect(Collectors.toMap(ModuleDescriptor.Exports::source, ModuleDescriptor.Exports::targets));
    assertEquals(Map.of(INTERNAL, Set.of(TRAIN, EVAL)), qualified);
  }

  @Test
  void in_a_module_layer_internal_is_hidden_and_picocli_can_read_the_commands() throws Exception {
    ModuleLayer layer = ModuleLayer.boot()
        .defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());
    Module core = layer.findModule(CORE).orElseThrow();
    Module train = layer.findModule(TRAIN).orElseThrow();
    assertFalse(core.isExported(INTERNAL), "internal is exported to everyone");
    assertTrue(core.isExported(INTERNAL, train));
    assertTrue(core.isExported("org.consistency4j.lm"));

    // Building the command line makes picocli reflect on every command's private option fields:
    // this fails unless the cli package is opened to picocli.
    Class<?> cli = layer.findLoader(EVAL).loadClass(ConsistencyCli.class.getName());
    assertEquals(EVAL, cli.getModule().getName());
    Object commandLine = cli.getMethod("commandLine").invoke(null);
    Object subcommands = commandLine.getClass().getMethod("getSubcommands").invoke(commandLine);
    Set<String> inLayer = new TreeSet<>(((Map<?, ?>) subcommands).keySet().stream()
        .map(Object::toString).toList());
    Map<String, CommandLine> onClassPath = ConsistencyCli.commandLine().getSubcommands();
    assertEquals(new TreeSet<>(onClassPath.keySet()), inLayer);
  }
}
