package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The seed's examples and the job's isolation, end to end through the public API. */
@NeedsRoot("for namespaces, mounts and cgroups")
class JobIsolationTest {

    private static JobResult run(Job job) throws InterruptedException {
        return job.await(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("job did not end in 60 s"));
    }

    @Test
    void psAuxShowsBashAsPid1AndOnlyTheJobsProcesses() throws Exception {
        try (Job job = Joblet.builder().command("bash", "-c", "sleep 30 & sleep 40 & ps aux").start()) {
            JobResult r = run(job);
            assertThat(r.reason()).isEqualTo(EndReason.EXITED);
            assertThat(r.exitCode()).hasValue(0);
            // PID 1's exit ends the job at once, though the sleeps had 30 s to go.
            assertThat(r.duration()).isLessThan(Duration.ofSeconds(20));
            String[] lines = job.stdout().text().split("\n");
            assertThat(lines[0]).startsWith("USER").contains("PID").contains("COMMAND");
            assertThat(lines).hasSize(5);
            // Jobs run as a host user of their own by default (least privilege), named "job" inside; the seed ran
            // them as root.
            assertThat(lines[1]).matches("job +1 .*bash -c sleep 30 & sleep 40 & ps aux");
            assertThat(job.stdout().text()).contains("sleep 30").contains("sleep 40").contains("ps aux");
        }
    }

    @Test
    void hostIsInvisibleAndTheRuntimeIsReadOnly() throws Exception {
        Path secret = Files.createTempFile(Path.of("/root"), "joblet-secret", ".txt");
        try (Job job = Joblet.builder().command("bash", "-c",
                        "hostname; ls /; cat /proc/1/cmdline | tr '\\0' ' '; echo; ls /root 2>&1; ls /home 2>&1; "
                                + "touch /usr/x 2>&1; touch /work/ok && echo work-writable; "
                                + "ls /etc/shadow 2>&1; pwd; echo $HOME")
                .hostname("sandbox1")
                .start()) {
            JobResult r = run(job);
            String out = job.stdout().text();
            assertThat(r.isSuccess()).as(out).isTrue();
            assertThat(out).startsWith("sandbox1\n");
            assertThat(out).contains("ls: cannot access '/root': No such file or directory")
                    .contains("ls: cannot access '/home': No such file or directory")
                    .contains("touch: cannot touch '/usr/x': Read-only file system")
                    .contains("work-writable")
                    .contains("ls: cannot access '/etc/shadow'")
                    .contains("/work\n/work\n");
            assertThat(out).doesNotContain(secret.getFileName().toString());
            assertThat(out).contains("bash -c hostname");
        } finally {
            Files.deleteIfExists(secret);
        }
    }

    @Test
    void onlyLoopbackExistsAndIsUp() throws Exception {
        try (Job job = Joblet.builder().command("sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '").start()) {
            run(job);
            assertThat(job.stdout().text()).isEqualTo("lo\n");
        }
        try (Job job = Joblet.builder().command("ip", "-o", "link").start()) {
            JobResult r = run(job);
            assertThat(r.isSuccess()).as(job.stderr().text()).isTrue();
            assertThat(job.stdout().text().lines()).hasSize(1);
            assertThat(job.stdout().text()).startsWith("1: lo: <LOOPBACK,UP,LOWER_UP>");
        }
    }

    @Test
    void environmentIsOnlyWhatTheSpecSetsPlusDefaults() throws Exception {
        try (Job job = Joblet.builder().command("env").env("GREETING", "hello").start()) {
            run(job);
            assertThat(job.stdout().text().lines().sorted())
                    .containsExactly("GREETING=hello", "HOME=/work",
                            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm");
        }
    }

    @Test
    void exitCodeSignalAndStderrAreReported() throws Exception {
        try (Job job = Joblet.builder().command("sh", "-c", "echo bad >&2; exit 3").start()) {
            JobResult r = run(job);
            assertThat(r.reason()).isEqualTo(EndReason.EXITED);
            assertThat(r.exitCode()).hasValue(3);
            assertThat(job.stderr().text()).isEqualTo("bad\n");
            assertThat(job.stdout().text()).isEmpty();
        }
        // A real fault kills even a PID 1 (signals sent to PID 1 from inside its namespace are ignored).
        try (Job job = Joblet.builder().command("python3", "-c", "import ctypes; ctypes.string_at(0)").start()) {
            JobResult r = run(job);
            assertThat(r.reason()).isEqualTo(EndReason.SIGNALLED);
            assertThat(r.signal()).hasValue(11);
            assertThat(r.shellCode()).isEqualTo(139);
        }
    }

    @Test
    void seedJobControlExamplesWork() throws Exception {
        try (Job job = Joblet.builder().command("bash", "-c", "sleep 60 & kill %1").start()) {
            JobResult r = run(job);
            assertThat(r.exitCode()).hasValue(0);
            assertThat(r.duration()).isLessThan(Duration.ofSeconds(30));
        }
        try (Job job = Joblet.builder().command("bash", "-c", "trap 'kill $(jobs -p)' EXIT; sleep 5 & sleep 6 & wait").start()) {
            JobResult r = run(job);
            assertThat(r.exitCode()).hasValue(0);
        }
        try (Job job = Joblet.builder().command("bash", "-c",
                "(sleep 1; echo 'Child 1 done') & (sleep 2; echo 'Child 2 done') & echo 'Both children started' && ps aux"
                        + " && wait && echo 'All processes completed'").start()) {
            JobResult r = run(job);
            assertThat(r.exitCode()).hasValue(0);
            assertThat(job.stdout().text()).startsWith("Both children started\n").contains("Child 1 done\nChild 2 done\nAll processes completed\n");
        }
        try (Job job = Joblet.builder().command("top", "-b", "-n", "1").start()) {
            JobResult r = run(job);
            assertThat(r.exitCode()).as(job.stderr().text()).hasValue(0);
            assertThat(job.stdout().text()).contains("Tasks:   1 total");
        }
    }

    @Test
    void stopKillsTheWholeTreeAndTimeoutIsReported() throws Exception {
        Job job = Joblet.builder().command("bash", "-c", "sleep 100 & sleep 200 & wait").start();
        JobResult r = job.stop(Duration.ofMillis(200)).get();
        assertThat(r.reason()).isEqualTo(EndReason.STOPPED);
        assertThat(r.signal()).hasValue(9);
        job.close();
        try (Job slow = Joblet.builder().command("sleep", "100").timeout(Duration.ofMillis(300)).stopGrace(Duration.ZERO).start()) {
            JobResult t = run(slow);
            assertThat(t.reason()).isEqualTo(EndReason.TIMED_OUT);
            assertThat(t.message()).isEqualTo("timed out after 300 ms");
        }
    }

    @Test
    void commandNotFoundIsAClearStartError() {
        assertThatThrownBy(() -> Joblet.builder().command("nosuchcmd").start())
                .isInstanceOfSatisfying(JobStartException.class, e -> {
                    assertThat(e.isCommandNotFound()).isTrue();
                    assertThat(e.getMessage()).startsWith("\"nosuchcmd\": not found in runtime host");
                });
    }

    @Test
    void unknownRuntimeIsAClearStartError() {
        // (a name no machine has: python-3.11-ml may well be installed on this one)
        assertThatThrownBy(() -> Joblet.builder().runtime(JobRuntime.named("no-such-runtime-7")).command("python3").start())
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining("runtime no-such-runtime-7 is not installed");
    }

    @Test
    void stdinBytesReachTheJob() throws Exception {
        try (Job job = Joblet.builder().command("tr", "a-z", "A-Z").stdin("hello\n".getBytes()).start()) {
            run(job);
            assertThat(job.stdout().text()).isEqualTo("HELLO\n");
        }
    }
}
