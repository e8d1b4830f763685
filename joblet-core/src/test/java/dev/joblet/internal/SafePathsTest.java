package dev.joblet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafePathsTest {
    @Test
    void relativeRejectsEscapes() {
        assertThat(SafePaths.relative("t", "a//b/c.txt")).isEqualTo("a/b/c.txt");
        for (String bad : new String[] {"", "/etc/passwd", "../x", "a/../../x", "a/..", "./a", "a/./b", "/", "//", "a\0b"}) {
            assertThatThrownBy(() -> SafePaths.relative("upload target", bad), bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("upload target (");
        }
    }

    @Test
    void insideRefusesEveryLinkOnTheWay(@TempDir Path root, @TempDir Path outside) throws Exception {
        Files.createDirectories(root.resolve("d/e"));
        Files.createSymbolicLink(root.resolve("up"), outside);
        Files.createSymbolicLink(root.resolve("d/rel"), Path.of("../d"));
        Files.createSymbolicLink(root.resolve("f"), outside.resolve("secret"));
        Files.writeString(root.resolve("plain"), "x");
        assertThat(SafePaths.inside(root, "d/e/new", false)).isEqualTo(root.resolve("d/e/new"));
        assertThatThrownBy(() -> SafePaths.inside(root, "up/x", true)).isInstanceOf(IOException.class).hasMessageContaining("up is a symbolic link");
        assertThatThrownBy(() -> SafePaths.inside(root, "d/rel/e", false)).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> SafePaths.inside(root, "f", false)).hasMessageContaining("f is a symbolic link");
        assertThatThrownBy(() -> SafePaths.inside(root, "plain/x", true)).hasMessageContaining("plain is not a directory");
        assertThat(SafePaths.inside(root, "n1/n2/file", true)).isEqualTo(root.resolve("n1/n2/file"));
        assertThat(root.resolve("n1/n2")).isDirectory();
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void linkStaysInsideByItsTextAlone(@TempDir Path root) {
        Path link = root.resolve("a/b/link");
        assertThat(SafePaths.linkStaysInside(root, link, Path.of("../c"))).isTrue();
        assertThat(SafePaths.linkStaysInside(root, link, Path.of("../../c"))).isTrue();
        assertThat(SafePaths.linkStaysInside(root, link, Path.of("../../../c"))).isFalse();
        assertThat(SafePaths.linkStaysInside(root, link, Path.of("/etc/shadow"))).isFalse();
        assertThat(SafePaths.linkStaysInside(root, link, Path.of(root + "/a"))).isFalse();
    }
}
