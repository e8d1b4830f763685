package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuntimeManifestTest {
    private static final String GOOD = "# a comment\n\nname = python-3.11-ml\nversion = debian bookworm 2025-05-20\n"
            + "description = Python with numpy = fast\nenv.PYTHONDONTWRITEBYTECODE = 1\nenv.EMPTY =\n"
            + "mount = /srv/models:/models\nmount = /srv/out:/out:rw\ncheck.numpy = python3 -c 'import numpy'\n"
            + "check.ls = ls /\n";

    @Test
    void parsesEveryField() {
        RuntimeManifest m = RuntimeManifest.parse("runtime.conf", GOOD);
        assertThat(m.name()).isEqualTo("python-3.11-ml");
        assertThat(m.version()).isEqualTo("debian bookworm 2025-05-20");
        assertThat(m.description()).isEqualTo("Python with numpy = fast");
        assertThat(m.env()).containsExactly(Map.entry("PYTHONDONTWRITEBYTECODE", "1"), Map.entry("EMPTY", ""));
        assertThat(m.mounts()).containsExactly(new Volume(Path.of("/srv/models"), "/models", false),
                new Volume(Path.of("/srv/out"), "/out", true));
        assertThat(m.checks()).containsExactly(Map.entry("numpy", "python3 -c 'import numpy'"), Map.entry("ls", "ls /"));
    }

    @Test
    void theMlRecipeChecksTheInterpreterThenEachImport() {
        RuntimeInstaller.Recipe ml = RuntimeInstaller.recipe("python-3.11-ml");
        assertThat(ml.checks().keySet()).containsExactly("python", "numpy", "pandas", "sklearn");
        assertThat(ml.checks().get("numpy")).startsWith("python3 -c 'import numpy;");
        RuntimeManifest m = RuntimeManifest.of("python-3.11-ml", "", "", Map.of(), List.of(), ml.checks());
        assertThat(RuntimeManifest.parse("m", m.format())).isEqualTo(m);
    }

    @Test
    void formatParsesBackToAnEqualManifest() {
        RuntimeManifest m = RuntimeManifest.parse("x", GOOD);
        assertThat(RuntimeManifest.parse("y", m.format())).isEqualTo(m);
        RuntimeManifest minimal = RuntimeManifest.of("rt", "", "", Map.of(), List.of());
        assertThat(RuntimeManifest.parse("z", minimal.format())).isEqualTo(minimal);
    }

    @Test
    void errorsNameTheFileTheLineAndTheField() {
        assertThatThrownBy(() -> RuntimeManifest.parse("/r/runtime.conf", "name = a\nmount = models:/models\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("/r/runtime.conf:2: ")
                .hasMessageContaining("field mount (models:/models)");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a\n\nimage = debian\n"))
                .hasMessageStartingWith("f:3: unknown field (image)");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a b\n"))
                .hasMessageStartingWith("f:1: field name (a b)");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a\nenv.1X = y\n"))
                .hasMessageStartingWith("f:2: field env.1X (1X)");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a\nenv.X = 1\nenv.X = 2\n"))
                .hasMessageStartingWith("f:3: field env.X (2) is given twice");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a\njust words\n"))
                .hasMessageStartingWith("f:2: expected 'key = value'");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a\nmount = /a:/proc/x\n"))
                .hasMessageStartingWith("f:2: ").hasMessageContaining("must not be under /proc");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a\nmount = /a:/b:rx\n"))
                .hasMessageContaining("must end in :ro or :rw");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a\ncheck.a b = true\n"))
                .hasMessageStartingWith("f:2: field check.a b (a b)");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a\ncheck.x = true\ncheck.x = false\n"))
                .hasMessageStartingWith("f:3: field check.x (false) is given twice");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "name = a\ncheck.x =\n"))
                .hasMessageStartingWith("f:2: field check.x () must be a command");
        assertThatThrownBy(() -> RuntimeManifest.parse("f", "version = 1\n"))
                .hasMessage("f: field name is missing");
    }
}
