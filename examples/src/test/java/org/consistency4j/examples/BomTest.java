package org.consistency4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The BOM users import manages exactly the library's own artifacts and nothing of its build. */
class BomTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void the_bom_manages_only_the_library_modules_at_the_project_version() throws Exception {
    Document bom = parse(ROOT.resolve("consistency4j-bom/pom.xml"));
    Element project = bom.getDocumentElement();
    // A parent would leak its whole dependencyManagement (Guava, protobuf, SLF4J...) into consumers.
    assertEquals(0, children(project, "parent").size(), "the BOM must not have a parent");
    assertEquals("pom", text(project, "packaging"));

    Set<String> managed = new TreeSet<>();
    Element management = children(project, "dependencyManagement").get(0);
    for (Element dependency : children(children(management, "dependencies").get(0), "dependency")) {
      assertEquals("org.consistency4j", text(dependency, "groupId"));
      assertEquals("${project.version}", text(dependency, "version"));
      managed.add(text(dependency, "artifactId"));
    }
    assertEquals(Set.of("consistency-core", "consistency-train", "consistency-eval", "consistency-spark"),
        managed);

    Document parent = parse(ROOT.resolve("pom.xml"));
    assertEquals(text(parent.getDocumentElement(), "version"), text(project, "version"),
        "the BOM's version must follow the parent's");
  }

  private static Document parse(Path pom) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory.newDocumentBuilder().parse(pom.toFile());
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> result = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node node = nodes.item(i);
      if (node instanceof Element e && e.getTagName().equals(name)) {
        result.add(e);
      }
    }
    return result;
  }

  private static String text(Element parent, String name) {
    List<Element> found = children(parent, name);
    assertEquals(1, found.size(), "expected one <" + name + "> in <" + parent.getTagName() + ">");
    return found.get(0).getTextContent().trim();
  }
}
