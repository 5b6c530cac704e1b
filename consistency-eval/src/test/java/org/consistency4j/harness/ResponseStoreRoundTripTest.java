package org.consistency4j.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

class ResponseStoreRoundTripTest {
  @Property(tries = 50)
  void stored_responses_read_back_equal(@ForAll @Size(max = 6) List<String> responses, @ForAll String model)
      throws Exception {
    Path dir = Files.createTempDirectory("store");
    Path f = dir.resolve("r.jsonl");
    List<ResponseRecord> rows = new ArrayList<>();
    for (int i = 0; i < responses.size(); i++) {
      rows.add(new ResponseRecord(model, "t\u00e9", i % 2, i, "h", "c", responses.get(i), "LENGTH"));
    }
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(rows);
    }
    try {
      assertEquals(rows, ResponseStore.read(f));
    } finally {
      Files.deleteIfExists(f);
      Files.deleteIfExists(dir);
    }
  }
}
