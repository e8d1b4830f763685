package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/** Jobs on a tiny runtime built here from the host's static busybox: manifest env and mounts, errors. */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root for namespaces and mounts")
class RuntimeJobTest {
    @TempDir
    Path root;

    /** The instance the tests start on; tests that name runtimes replace it with one whose runtimes root is theirs. */
    private Joblet joblet = Joblet.create();

    @AfterEach
    void close() {
        joblet.close();
    }

    private void useRuntimesRoot(Path dir) {
        joblet.close();
        joblet = Joblet.create(JobletConfig.builder().runtimesRoot(dir).build());
    }

    /** {@code <root>/<name>/rootfs} with busybox as /usr/bin/sh, cat, ls, env, plus the manifest. */
    private Path busyboxRuntime(String name, String manifest) throws Exception {
        Path busybox = Path.of("/bin/busybox");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(busybox) && isStatic(busybox),
                "needs a static /bin/busybox (busybox-static)");
        Path rootfs = Files.createDirectories(root.resolve(name).resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("usr/bin"));
        Files.copy(busybox, rootfs.resolve("usr/bin/busybox"));
        for (String tool : new String[] {"sh", "cat", "ls", "env", "echo", "touch"}) {
            Files.createSymbolicLink(rootfs.resolve("usr/bin/" + tool), Path.of("busybox"));
        }
        Files.createSymbolicLink(rootfs.resolve("bin"), Path.of("usr/bin"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/marker"), "busybox-runtime\n");
        Files.writeString(root.resolve(name).resolve(RuntimeManifest.FILE_NAME), manifest);
        return rootfs;
    }

    /** An ELF64 executable without a PT_INTERP program header needs no dynamic loader. */
    private static boolean isStatic(Path elf) throws java.io.IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(elf)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int size = b.getShort(0x36) & 0xffff;
        int count = b.getShort(0x38) & 0xffff;
        for (int i = 0; i < count; i++) {
            if (b.getInt((int) phoff + i * size) == 3) {
                return false;
            }
        }
        return true;
    }

    private String run(JobSpec.Builder b) throws Exception {
        try (Job job = joblet.start(b.build())) {
            JobResult r = job.await(Duration.ofSeconds(60)).orElseThrow();
            assertThat(r.exitCode()).as(job.stderr().text()).hasValue(0);
            return job.stdout().text();
        }
    }

    @Test
    void aNamedRuntimeGetsItsTreeEnvAndMounts(@TempDir Path data) throws Exception {
        Files.writeString(data.resolve("model.bin"), "weights");
        // readable by the job's user (nobody): @TempDir is private to root
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data.resolve("model.bin"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        busyboxRuntime("tiny", "name = tiny\nenv.FROM_RUNTIME = yes\nenv.OVERRIDDEN = runtime\nmount = " + data + ":/models\n");
        useRuntimesRoot(root);
        String out = run(Joblet.builder().runtime(JobRuntime.named("tiny")).env("OVERRIDDEN", "spec")
                .command("sh", "-c", "cat /etc/marker; echo $FROM_RUNTIME $OVERRIDDEN; cat /models/model.bin; echo; "
                        + "ls /; touch /models/x 2>/dev/null || echo ro; touch /usr/x 2>/dev/null || echo ro"));
        assertThat(out).startsWith("busybox-runtime\nyes spec\nweights\n").endsWith("ro\nro\n");
        assertThat(out).contains("bin").contains("usr").contains("work").doesNotContain("home");
        assertThat(data.resolve("x")).doesNotExist();
    }

    @Test
    void aDirectoryRuntimeWithoutManifestIsItsOwnTree() throws Exception {
        Path rootfs = busyboxRuntime("plain", "name = plain\n");
        String out = run(Joblet.builder().runtime(JobRuntime.directory(rootfs)).command("cat", "/etc/marker"));
        assertThat(out).isEqualTo("busybox-runtime\n");
    }

    @Test
    void aWritableLayerLetsTheJobChangeItsRootWithoutChangingTheRuntime() throws Exception {
        Path rootfs = busyboxRuntime("layered", "name = layered\n");
        // The runtime's files belong to root: changing them takes a privileged job (the default user, nobody,
        // may only add files where it may write).
        JobSpec.Builder b = Joblet.builder().runtime(JobRuntime.directory(rootfs)).writableLayer(MemorySize.ofMegabytes(8))
                .privileged();
        String out = run(b.command("sh", "-c", "echo new > /usr/bin/added && cat /usr/bin/added && rm /etc/marker"
                + " && ls /etc && echo changed > /usr/bin/busybox.txt && echo ok"));
        assertThat(out).isEqualTo("new\nok\n");
        assertThat(rootfs.resolve("usr/bin/added")).doesNotExist();
        assertThat(rootfs.resolve("usr/bin/busybox.txt")).doesNotExist();
        assertThat(rootfs.resolve("etc/marker")).hasContent("busybox-runtime");
        // The next job starts from the runtime as it is on disk; without a layer the root is read-only (even to root).
        assertThat(run(Joblet.builder().runtime(JobRuntime.directory(rootfs)).privileged()
                .command("sh", "-c", "cat /etc/marker; ls /usr/bin/added 2>/dev/null; touch /usr/x 2>/dev/null || echo ro")))
                .isEqualTo("busybox-runtime\nro\n");
        try (var s = Files.list(WritableLayer.ROOT)) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith("jvm-" + ProcessHandle.current().pid() + "-"));
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(WritableLayer.ROOT.toString());
        // The layer's size is a limit.
        try (Job job = joblet.start(Joblet.builder().runtime(JobRuntime.directory(rootfs)).writableLayer(MemorySize.ofMegabytes(1)).privileged()
                .command("sh", "-c", "cat /usr/bin/busybox /usr/bin/busybox > /usr/big").build())) {
            assertThat(job.await(Duration.ofSeconds(60)).orElseThrow().exitCode()).isNotEqualTo(java.util.OptionalInt.of(0));
            assertThat(job.stderr().text()).contains("No space left on device");
        }
    }

    @Test
    void aWritableLayerNeedsARuntimeOtherThanTheHost() {
        assertThatThrownBy(() -> Joblet.builder().writableLayer(MemorySize.ofMegabytes(8)).command("true").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("writableLayer (8 MiB) needs a named or directory runtime");
    }

    @Test
    void anUnknownRuntimeListsTheInstalledOnes() throws Exception {
        busyboxRuntime("tiny", "name = tiny\n");
        busyboxRuntime("other", "name = other\n");
        useRuntimesRoot(root);
        assertThatThrownBy(() -> joblet.start(Joblet.builder().runtime(JobRuntime.named("python-3.11-ml")).command("true").build()))
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining("runtime python-3.11-ml is not installed")
                .hasMessageContaining("installed under " + root + ": other, tiny");
    }

    @Test
    void aBadManifestStopsTheStartNamingFileLineAndField() throws Exception {
        busyboxRuntime("bad", "name = bad\n# fine\nmount = relative:/x\n");
        useRuntimesRoot(root);
        assertThatThrownBy(() -> joblet.start(Joblet.builder().runtime(JobRuntime.named("bad")).command("true").build()))
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining(root.resolve("bad/runtime.conf") + ":3: field mount (relative:/x)");
    }

    @Test
    void aMissingMountSourceStopsTheStart() throws Exception {
        busyboxRuntime("gone", "name = gone\nmount = /no/such/dir/for/joblet:/data\n");
        useRuntimesRoot(root);
        assertThatThrownBy(() -> joblet.start(Joblet.builder().runtime(JobRuntime.named("gone")).command("true").build()))
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining("volume source /no/such/dir/for/joblet does not exist");
    }
}
