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
    void linksAreCopiedAsLinksAndSpecialFilesOrLinkedParentsAreRejected(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(dir.resolve("src/sub/a.txt"), "a");
        Files.createSymbolicLink(dir.resolve("src/ok"), Path.of("sub/a.txt"));
        Files.createSymbolicLink(dir.resolve("src/sub/out"), Path.of("../../elsewhere"));
        Files.createSymbolicLink(dir.resolve("src/abs"), Path.of("/etc/shadow"));
        JobSpec spec = Joblet.builder().command("true").upload(Upload.directory(dir.resolve("src"), "in")).build();
        assertThat(spec.uploads()).hasSize(1);
        assertThat(spec.retainsWorkspace()).isTrue();
        // Links are copied as links (never followed): a file upload naming a link is fine too.
        Joblet.builder().command("true").upload(Upload.file(dir.resolve("src/abs"), "x")).build();

        // A link above the source is refused: the path the operator named must be the real one.
        Files.createSymbolicLink(dir.resolve("via"), dir.resolve("src"));
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.directory(dir.resolve("via/sub"), "in")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is reached through a symbolic link");
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.file(dir.resolve("via/sub/a.txt"), "a")).build())
                .hasMessageContaining("is reached through a symbolic link");
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.directory(dir.resolve("via"), "in")).build())
                .hasMessageContaining("must be an existing directory (it is a symbolic link");

        new ProcessBuilder("mkfifo", dir.resolve("src/fifo").toString()).start().waitFor();
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.directory(dir.resolve("src"), ".")).build())
                .hasMessageContaining("fifo is not a regular file, directory or link");
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.file(dir.resolve("src/fifo"), "f")).build())
                .hasMessageContaining("must be an existing regular file");
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
