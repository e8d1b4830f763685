package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Untrusted code stays inside: every attempt of {@link EscapeAttempts} runs in a job with the default
 * hardening, and again as root inside a user namespace, and must fail. See docs/SECURITY.md.
 */
@NeedsRoot("to run real jobs")
class EscapeSuiteTest {
    private static Process hostProcess;
    private static ServerSocket hostServer;
    private static Path marker;

    @BeforeAll
    static void setUp() throws IOException {
        hostProcess = new ProcessBuilder("sleep", "600").start();
        hostServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        marker = Files.createTempFile(Path.of("/tmp"), "joblet-host-marker", "");
    }

    @AfterAll
    static void tearDown() throws Exception {
        hostProcess.destroyForcibly().waitFor();
        hostServer.close();
        Files.deleteIfExists(marker);
    }

    static Stream<Arguments> attempts() {
        List<Arguments> args = new ArrayList<>();
        for (EscapeAttempts.Attempt a : EscapeAttempts.all()) {
            args.add(Arguments.of(a, false));
            args.add(Arguments.of(a, true));
        }
        return args.stream();
    }

    @Test
    void thereAreAtLeastFortyDistinctAttempts() {
        assertThat(EscapeAttempts.names()).hasSizeGreaterThanOrEqualTo(40).hasSize(EscapeAttempts.all().size());
    }

    @ParameterizedTest(name = "{0} (root in user namespace: {1})")
    @MethodSource("attempts")
    void attemptFails(EscapeAttempts.Attempt attempt, boolean rootInUserNamespace) throws Exception {
        String code = EscapeAttempts.PRELUDE + attempt.python()
                .replace("HOST_PID", Long.toString(hostProcess.pid()))
                .replace("HOST_PORT", Integer.toString(hostServer.getLocalPort()))
                .replace("HOST_MARKER", marker.getFileName().toString());
        JobSpec.Builder b = attempt.spec().apply(Joblet.builder().command("python3", "-c", code));
        if (rootInUserNamespace) {
            b.rootInUserNamespace();
        }
        try (Job job = b.start()) {
            JobResult r = job.await();
            String out = job.stdout().text() + job.stderr().text();
            assertThat(out).as("output").doesNotContain("ESCAPED").contains("blocked");
            assertThat(r.exitCode()).as("exit code; output: %s", out).hasValue(0);
        }
        assertThat(hostProcess.isAlive()).as("the host's process survives").isTrue();
    }

    @Test
    void theHarnessReportsAnEscapeWhenTheDefenceIsRelaxed() throws Exception {
        // chroot allowed by seccomp and CAP_SYS_CHROOT kept (over the job's own user namespace): the attempt works.
        String code = EscapeAttempts.PRELUDE + "attempt(lambda: os.chroot('/tmp'), 'EPERM')";
        try (Job job = Joblet.builder().rootInUserNamespace().capabilities(Capability.SYS_CHROOT)
                .seccomp(SeccompPolicy.defaults().allow("chroot")).command("python3", "-c", code).start()) {
            assertThat(job.await().exitCode()).hasValue(1);
            assertThat(job.stdout().text()).contains("ESCAPED");
        }
    }

    @Test
    void memoryBombIsKilledByTheKernel() throws Exception {
        try (Job job = Joblet.builder().memory(MemorySize.ofMegabytes(32))
                .command("python3", "-c", "x = bytearray(256 << 20); print('ESCAPED')").start()) {
            JobResult r = job.await();
            assertThat(r.reason()).isEqualTo(EndReason.OOM_KILLED);
            assertThat(job.stdout().text()).doesNotContain("ESCAPED");
        }
    }

    @Test
    void hostHostnameIsUntouched() throws Exception {
        String before = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        try (Job job = Joblet.builder().command("sh", "-c", "hostname pwned; echo pwned > /proc/sys/kernel/hostname").start()) {
            assertThat(job.await().exitCode().orElseThrow()).isNotZero();
        }
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname"))).isEqualTo(before);
    }

    @Test
    void symlinksAndDotDotInAVolumeStayInsideTheJob() throws Exception {
        Path vol = Files.createTempDirectory("joblet-vol");
        Path secret = Files.createTempFile(Path.of("/root"), "joblet-secret", "");
        try {
            Files.writeString(secret, "host secret");
            // Writable for the job's user (a writable volume it may not write is refused before it starts).
            Files.setPosixFilePermissions(vol, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.createSymbolicLink(vol.resolve("link"), secret);
            Files.createSymbolicLink(vol.resolve("up"), Path.of("../../../../root"));
            try (Job job = Joblet.builder().volume(new Volume(vol, "/data", true))
                    .command("sh", "-c", "cat /data/link; ls /data/up/; cat /data/../../root/" + secret.getFileName()
                            + "; ln -s /etc /data/escape; echo done")
                    .start()) {
                job.await();
                String out = job.stdout().text() + job.stderr().text();
                assertThat(out).doesNotContain("host secret").contains("done");
            }
            // Whatever the job creates in the volume is owned by its unprivileged user, never root.
            if (Files.exists(vol.resolve("escape"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                assertThat(Files.getAttribute(vol.resolve("escape"), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                        .isNotEqualTo(0);
            }
        } finally {
            Files.deleteIfExists(secret);
            try (Stream<Path> s = Files.list(vol)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(vol);
        }
    }
}
