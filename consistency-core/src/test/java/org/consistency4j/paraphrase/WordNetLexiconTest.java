package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.consistency4j.ModelLoadException;
import org.junit.jupiter.api.Test;

class WordNetLexiconTest {
  @Test
  void a_failed_load_reaches_the_caller_as_its_own_exception_every_time() {
    // With a static holder class the first call got an ExceptionInInitializerError (the CLI printed
    // a stack trace instead of the --patch-module hint) and later calls a NoClassDefFoundError.
    AtomicInteger calls = new AtomicInteger();
    WordNetLexicon.Once<String> once = new WordNetLexicon.Once<>(() -> {
      calls.incrementAndGet();
      throw new ModelLoadException("cannot load WordNet: no data");
    });
    for (int i = 1; i <= 2; i++) {
      ModelLoadException e = assertThrows(ModelLoadException.class, once::get);
      assertEquals("cannot load WordNet: no data", e.getMessage());
      assertEquals(i, calls.get());
    }
  }

  @Test
  void a_successful_load_runs_once() {
    AtomicInteger calls = new AtomicInteger();
    WordNetLexicon.Once<Object> once = new WordNetLexicon.Once<>(() -> {
      calls.incrementAndGet();
      return new Object();
    });
    assertSame(once.get(), once.get());
    assertEquals(1, calls.get());
    assertSame(WordNetLexicon.shared(), WordNetLexicon.shared());
  }
}
