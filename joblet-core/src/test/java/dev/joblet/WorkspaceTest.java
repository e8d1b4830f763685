package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/** Uploads into /work, results read back, and links planted by a hostile job never followed. */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root for namespaces and mounts")
class WorkspaceTest {
    private static JobResult await(Job job) throws InterruptedException {
        return job.await(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("job did not end in 60 s"));
    }

    /** This JVM's fds on the filesystem with device number {@code dev}. */
    private static java.util.List<Path> fdsOn(Object dev) throws IOException {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return dev.equals(Files.getAttribute(fd, "unix:dev"));
                } catch (IOException e) {
                    return false; // closed meanwhile, or not a file
                }
            }).collect(java.util.stream.Collectors.toList());
        }
    }

    @Test
    void uploadsAreInWorkBeforeTheStartAndResultsAreReadAfterTheEnd(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("script.sh"), "echo from-script\n");
        Files.createDirectories(dir.resolve("project/src"));
        Files.writeString(dir.resolve("project/src/main.txt"), "main");
        Files.createSymbolicLink(dir.resolve("project/link"), Path.of("src/main.txt"));
        Object tmpfs;
        try (Job job = Joblet.builder()
                .upload(Upload.file(dir.resolve("script.sh"), "bin/run.sh"))
                .upload(Upload.directory(dir.resolve("project"), "p"))
                .upload(Upload.bytes("hello".getBytes(StandardCharsets.UTF_8), "input.txt"))
                .command("bash", "-c", "bash bin/run.sh; cat p/src/main.txt; echo; readlink p/link; cat input.txt; echo;"
                        + " mkdir out; echo result > out/r.txt")
                .start()) {
            Workspace ws = job.workspace().orElseThrow();
            tmpfs = Files.getAttribute(ws.directory(), "unix:dev");
            JobResult r = await(job);
            assertThat(r.exitCode()).as(job.stderr().text()).hasValue(0);
            assertThat(job.stdout().text()).isEqualTo("from-script\nmain\nsrc/main.txt\nhello\n");
            assertThat(new String(ws.read("out/r.txt"), StandardCharsets.UTF_8)).isEqualTo("result\n");
            assertThat(ws.list(".")).containsExactly("bin/", "input.txt", "out/", "p/");
            assertThat(ws.list("p")).containsExactly("link@", "src/");
            Path copy = dir.resolve("copy.txt");
            ws.copyOut("input.txt", copy);
            assertThat(copy).hasContent("hello");
            // The tmpfs is mounted nowhere on the host: the JVM holds it by a descriptor, which a killed JVM loses.
            assertThat(tmpfs).as("the workspace's device").isNotEqualTo(Files.getAttribute(Path.of("/"), "unix:dev"));
            assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).noneMatch(l -> l.contains("joblet/work"));
            assertThat(fdsOn(tmpfs)).as("this JVM's descriptors of the workspace's tmpfs").isNotEmpty();
        }
        assertThat(fdsOn(tmpfs)).as("this JVM's descriptors of the workspace's tmpfs after close").isEmpty();
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
