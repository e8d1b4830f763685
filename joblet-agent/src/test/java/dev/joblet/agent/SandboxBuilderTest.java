package dev.joblet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.MemorySize;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad input is refused at the method that received it, naming the method's field and the value. */
class SandboxBuilderTest {
    private final Sandbox sandbox = Sandbox.builder().build();

    @Test
    void defaultsAreSafe() {
        assertThat(sandbox.template().network()).isEqualTo(dev.joblet.Network.NONE);
        assertThat(sandbox.template().memory()).hasValue(MemorySize.ofMegabytes(512));
        assertThat(sandbox.template().pidsMax()).isEqualTo(128);
        assertThat(sandbox.template().timeout()).hasValue(Duration.ofSeconds(30));
        assertThat(sandbox.outputLimit()).isEqualTo(64 * 1024);
    }

    @Test
    void codeWithNulOrTooLongIsRefused() {
        assertThatThrownBy(() -> sandbox.run(Language.BASH, "echo a\0b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("code must not contain NUL characters");
        assertThatThrownBy(() -> sandbox.run(Language.PYTHON3, "#".repeat(Sandbox.MAX_CODE_BYTES + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("code (100001 bytes) must be at most 100000 bytes");
    }

    @Test
    void badLimitsNameTheField() {
        assertThatThrownBy(() -> Sandbox.builder().memory(MemorySize.ofMegabytes(1)))
                .hasMessage("memory (1 MiB) must be at least 4 MiB");
        assertThatThrownBy(() -> Sandbox.builder().outputLimit(MemorySize.ofBytes(0)))
                .hasMessageStartingWith("outputLimit (0");
        assertThatThrownBy(() -> Sandbox.builder().timeout(Duration.ZERO)).hasMessage("timeout (PT0S) must be positive");
        assertThatThrownBy(() -> Sandbox.builder().idleTimeout(Duration.ofSeconds(-1)))
                .hasMessage("idleTimeout (PT-1S) must be positive");
        assertThatThrownBy(() -> Sandbox.builder().sessionRoot(Path.of("rel")))
                .hasMessage("sessionRoot (rel) must be an absolute path");
        assertThatThrownBy(() -> Language.parse("ruby")).hasMessage("language (ruby) must be bash, python3 or node");
        assertThat(Language.parse(" Python ")).isEqualTo(Language.PYTHON3);
    }

    @Test
    void smallOutputLimitsStillGiveTheJobAValidBuffer() {
        Sandbox s = Sandbox.builder().outputLimit(MemorySize.ofBytes(10)).build();
        assertThat(s.outputLimit()).isEqualTo(10);
        assertThat(s.template().outputBuffer()).isEqualTo(MemorySize.ofBytes(4096));
    }
}
