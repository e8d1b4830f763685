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

    @AfterEach
    void restore() {
        System.clearProperty("joblet.runtimes");
    }

    /** {@code <root>/<name>/rootfs} with busybox as /usr/bin/sh, cat, ls, env, plus the manifest. */
    private Path busyboxRuntime(String name, String manifest) throws Exception {
        Path busybox = Path.of("/bin/busybox");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(busybox), "needs busybox-static");
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

    private static String run(JobSpec.Builder b) throws Exception {
        try (Job job = b.start()) {
            JobResult r = job.await(Duration.ofSeconds(60)).orElseThrow();
            assertThat(r.exitCode()).as(job.stderr().text()).hasValue(0);
            return job.stdout().text();
        }
    }

    @Test
    void aNamedRuntimeGetsItsTreeEnvAndMounts(@TempDir Path data) throws Exception {
        Files.writeString(data.resolve("model.bin"), "weights");
        busyboxRuntime("tiny", "name = tiny\nenv.FROM_RUNTIME = yes\nenv.OVERRIDDEN = runtime\nmount = " + data + ":/models\n");
        System.setProperty("joblet.runtimes", root.toString());
        String out = run(Joblet.builder().runtime(Runtime.named("tiny")).env("OVERRIDDEN", "spec")
                .command("sh", "-c", "cat /etc/marker; echo $FROM_RUNTIME $OVERRIDDEN; cat /models/model.bin; echo; "
                        + "ls /; touch /models/x 2>/dev/null || echo ro; touch /usr/x 2>/dev/null || echo ro"));
        assertThat(out).startsWith("busybox-runtime\nyes spec\nweights\n").endsWith("ro\nro\n");
        assertThat(out).contains("bin").contains("usr").contains("work").doesNotContain("home");
        assertThat(data.resolve("x")).doesNotExist();
    }

    @Test
    void aDirectoryRuntimeWithoutManifestIsItsOwnTree() throws Exception {
        Path rootfs = busyboxRuntime("plain", "name = plain\n");
        String out = run(Joblet.builder().runtime(Runtime.directory(rootfs)).command("cat", "/etc/marker"));
        assertThat(out).isEqualTo("busybox-runtime\n");
    }

    @Test
    void anUnknownRuntimeListsTheInstalledOnes() throws Exception {
        busyboxRuntime("tiny", "name = tiny\n");
        busyboxRuntime("other", "name = other\n");
        System.setProperty("joblet.runtimes", root.toString());
        assertThatThrownBy(() -> Joblet.builder().runtime(Runtime.named("python-3.11-ml")).command("true").start())
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining("runtime python-3.11-ml is not installed")
                .hasMessageContaining("installed under " + root + ": other, tiny");
    }

    @Test
    void aBadManifestStopsTheStartNamingFileLineAndField() throws Exception {
        busyboxRuntime("bad", "name = bad\n# fine\nmount = relative:/x\n");
        System.setProperty("joblet.runtimes", root.toString());
        assertThatThrownBy(() -> Joblet.builder().runtime(Runtime.named("bad")).command("true").start())
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining(root.resolve("bad/runtime.conf") + ":3: field mount (relative:/x)");
    }

    @Test
    void aMissingMountSourceStopsTheStart() throws Exception {
        busyboxRuntime("gone", "name = gone\nmount = /no/such/dir/for/joblet:/data\n");
        System.setProperty("joblet.runtimes", root.toString());
        assertThatThrownBy(() -> Joblet.builder().runtime(Runtime.named("gone")).command("true").start())
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining("volume source /no/such/dir/for/joblet does not exist");
    }
}
