package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upload checks at build(): no root needed. */
class UploadTest {
    @Test
    void targetsMustStayInsideTheWorkspace() {
        for (String bad : new String[] {"/etc/passwd", "../x", "a/../../x", ""}) {
            assertThatThrownBy(() -> Upload.bytes(new byte[1], bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("upload target (");
            assertThatThrownBy(() -> Upload.directory(Path.of("/tmp"), bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Upload.directory(Path.of("/tmp"), ".").target()).isEqualTo(".");
    }

    @Test
    void directoriesWithLinksPointingOutOrSpecialFilesAreRejected(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(dir.resolve("src/sub/a.txt"), "a");
        Files.createSymbolicLink(dir.resolve("src/ok"), Path.of("sub/a.txt"));
        JobSpec spec = Joblet.builder().command("true").upload(Upload.directory(dir.resolve("src"), "in")).build();
        assertThat(spec.uploads()).hasSize(1);
        assertThat(spec.retainsWorkspace()).isTrue();

        Files.createSymbolicLink(dir.resolve("src/sub/out"), Path.of("../../elsewhere"));
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.directory(dir.resolve("src"), "in")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("link sub/out -> ../../elsewhere points outside the directory");
        Files.delete(dir.resolve("src/sub/out"));
        Files.createSymbolicLink(dir.resolve("src/abs"), Path.of("/etc/shadow"));
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.directory(dir.resolve("src"), ".")).build())
                .hasMessageContaining("link abs -> /etc/shadow points outside the directory");
        Files.delete(dir.resolve("src/abs"));
        new ProcessBuilder("mkfifo", dir.resolve("src/fifo").toString()).start().waitFor();
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.directory(dir.resolve("src"), ".")).build())
                .hasMessageContaining("fifo is not a regular file, directory or link");
    }

    @Test
    void missingSourcesAndUploadsLargerThanTheWorkspaceAreRejected(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.file(dir.resolve("nope"), "x")).build())
                .hasMessageContaining("must be an existing regular file");
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.directory(dir.resolve("nope"), "x")).build())
                .hasMessageContaining("must be an existing directory");
        assertThatThrownBy(() -> Joblet.builder().command("true").workspaceSize(MemorySize.ofMegabytes(1))
                        .upload(Upload.bytes(new byte[600_000], "a")).upload(Upload.bytes(new byte[600_000], "b")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceed workspaceSize (1 MiB)");
    }
}
