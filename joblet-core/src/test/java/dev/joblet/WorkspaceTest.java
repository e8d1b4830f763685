package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uploads into /work, results read back, and links planted by a hostile job never followed. */
@NeedsRoot("for namespaces and mounts")
class WorkspaceTest {
    private static JobResult await(Job job) throws InterruptedException {
        return job.await(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("job did not end in 60 s"));
    }

    /** Whether the host's mount table holds a tmpfs of exactly this size (tmpfs shows it in KiB). */
    static boolean hostHasTmpfsOfSize(MemorySize size) throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).contains("size=" + size.bytes() / 1024 + "k");
    }

    @Test
    void uploadsAreInWorkBeforeTheStartAndResultsAreReadAfterTheEnd(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("script.sh"), "echo from-script\n");
        Files.createDirectories(dir.resolve("project/src"));
        Files.writeString(dir.resolve("project/src/main.txt"), "main");
        Files.createSymbolicLink(dir.resolve("project/link"), Path.of("src/main.txt"));
        MemorySize size = MemorySize.ofBytes((64L << 20) + 4096L * (1 + ProcessHandle.current().pid() % 1000));
        try (Job job = Joblet.builder().workspaceSize(size)
                .upload(Upload.file(dir.resolve("script.sh"), "bin/run.sh"))
                .upload(Upload.directory(dir.resolve("project"), "p"))
                .upload(Upload.bytes("hello".getBytes(StandardCharsets.UTF_8), "input.txt"))
                .command("bash", "-c", "bash bin/run.sh; cat p/src/main.txt; echo; readlink p/link; cat input.txt; echo;"
                        + " mkdir out; echo result > out/r.txt")
                .start()) {
            Workspace ws = job.workspace().orElseThrow();
            JobResult r = await(job);
            assertThat(r.exitCode()).as(job.stderr().text()).hasValue(0);
            assertThat(job.stdout().text()).isEqualTo("from-script\nmain\nsrc/main.txt\nhello\n");
            assertThat(new String(ws.read("out/r.txt"), StandardCharsets.UTF_8)).isEqualTo("result\n");
            assertThat(ws.list(".")).containsExactly("bin/", "input.txt", "out/", "p/");
            assertThat(ws.list("p")).containsExactly("link@", "src/");
            Path copy = dir.resolve("copy.txt");
            ws.copyOut("input.txt", copy);
            assertThat(copy).hasContent("hello");
            // The workspace is a detached tmpfs: never in the host's mount table, while the job runs or after.
            assertThat(hostHasTmpfsOfSize(size)).isFalse();
        }
        assertThat(hostHasTmpfsOfSize(size)).isFalse();
    }

    @Test
    void theHostNeverFollowsALinkAHostileJobPlanted(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "host secret");
        try (Job job = Joblet.builder().retainWorkspace(true).volume(dir, "/hostdir")
                .command("bash", "-c", "ln -s " + secret + " out.txt; ln -s /etc/shadow shadow; ln -s / root;"
                        + " mkdir d; ln -s ../../../../.. d/up; mkfifo pipe; ln -s /hostdir dir")
                .start()) {
            Workspace ws = job.workspace().orElseThrow();
            assertThatThrownBy(() -> ws.read("out.txt")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("once the job has ended");
            assertThat(await(job).exitCode()).as(job.stderr().text()).hasValue(0);
            assertThatThrownBy(() -> ws.read("out.txt")).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> ws.read("shadow")).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> ws.read("root/etc/shadow")).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> ws.read("d/up/etc/passwd")).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> ws.read("dir/secret")).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> ws.read("pipe")).isInstanceOf(IOException.class).hasMessageContaining("not a regular file");
            assertThatThrownBy(() -> ws.read("../secret")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ws.list("root")).isInstanceOf(IOException.class);
            Path target = dir.resolve("copy");
            assertThatThrownBy(() -> ws.copyOut("out.txt", target)).isInstanceOf(IOException.class);
            assertThat(target).doesNotExist();
            assertThat(ws.list(".")).containsExactly("d/", "dir@", "out.txt@", "pipe", "root@", "shadow@");
        }
        assertThat(secret).hasContent("host secret");
    }

    @Test
    void aJobCannotWriteMoreThanTheWorkspaceAllows() throws Exception {
        try (Job job = Joblet.builder().workspaceSize(MemorySize.ofMegabytes(1)).retainWorkspace(true)
                .command("bash", "-c", "head -c 2000000 /dev/zero > big; echo $?").start()) {
            await(job);
            assertThat(job.stdout().text().strip()).isNotEqualTo("0");
            assertThat(job.stderr().text()).contains("No space left on device");
        }
    }
}
