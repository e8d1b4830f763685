package dev.joblet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SafePathsTest {
    @Test
    void relativeRejectsEscapes() {
        assertThat(SafePaths.relative("t", "a//b/c.txt")).isEqualTo("a/b/c.txt");
        for (String bad : new String[] {"", "/etc/passwd", "../x", "a/../../x", "a/..", "./a", "a/./b", "/", "//", "a\0b"}) {
            assertThatThrownBy(() -> SafePaths.relative("upload target", bad), bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("upload target (");
        }
    }
}
