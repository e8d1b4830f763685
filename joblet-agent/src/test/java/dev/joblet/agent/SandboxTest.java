package dev.joblet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.EndReason;
import dev.joblet.MemorySize;
import dev.joblet.testing.NeedsRoot;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One-shot snippets end to end: one result value for success, failure, timeout, OOM and big output. */
@NeedsRoot("for namespaces and cgroups")
class SandboxTest {
    private final Sandbox sandbox = Sandbox.builder().build();

    @Test
    void pythonSnippetGivesStdoutExitCodeAndUsage() throws Exception {
        ExecutionResult r = sandbox.run(Language.PYTHON3, "print(6 * 7)");
        assertThat(r.reason()).isEqualTo(EndReason.EXITED);
        assertThat(r.exitCode()).hasValue(0);
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.stdout()).isEqualTo("42\n");
        assertThat(r.stderr()).isEmpty();
        assertThat(r.stdoutTruncated()).isFalse();
        assertThat(r.usage().memoryPeakBytes()).isPositive(); // the sandbox has a memory cgroup
        assertThat(r.usage().cpuUserMicros() + r.usage().cpuSystemMicros()).isPositive();
        assertThat(r.toToolText()).startsWith("status: EXITED, exit code 0, ").contains("stdout:\n42\n");
    }

    @Test
    void failingSnippetGivesExitCodeAndStderr() throws Exception {
        ExecutionResult r = sandbox.run(Language.PYTHON3, "import sys\nprint('before')\n1/0");
        assertThat(r.reason()).isEqualTo(EndReason.EXITED);
        assertThat(r.exitCode()).hasValue(1);
        assertThat(r.stdout()).isEqualTo("before\n");
        assertThat(r.stderr()).contains("ZeroDivisionError");
        assertThat(r.toToolText()).contains("exit code 1").contains("stderr:\nTraceback");
    }

    @Test
    void bashSnippetSeesOnlyLoopbackAndAFreshWorkspace() throws Exception {
        ExecutionResult first = sandbox.run(Language.BASH, "echo x > /work/left && ls /work");
        assertThat(first.stdout()).as(first.toToolText()).isEqualTo("left\n");
        ExecutionResult second = sandbox.run(Language.BASH, "ls -A /work; python3 -c 'import socket; print(socket.if_nameindex())'");
        assertThat(second.stdout()).isEqualTo("[(1, 'lo')]\n"); // /work was empty: one-shot runs share nothing
    }

    @Test
    void snippetRunningTooLongEndsTimedOut() throws Exception {
        Sandbox quick = Sandbox.builder().timeout(Duration.ofMillis(300)).build();
        ExecutionResult r = quick.run(Language.BASH, "echo started; sleep 60");
        assertThat(r.reason()).isEqualTo(EndReason.TIMED_OUT);
        assertThat(r.exitCode()).isEmpty();
        assertThat(r.stdout()).isEqualTo("started\n");
        assertThat(r.message()).contains("timed out");
        assertThat(r.toToolText()).startsWith("status: TIMED_OUT");
    }

    @Test
    void snippetOverItsMemoryLimitIsOomKilled() throws Exception {
        Sandbox small = Sandbox.builder().memory(MemorySize.ofMegabytes(32)).build();
        ExecutionResult r = small.run(Language.PYTHON3, "b = bytearray(200 * 1024 * 1024)\nprint('survived')");
        assertThat(r.reason()).isEqualTo(EndReason.OOM_KILLED);
        assertThat(r.stdout()).doesNotContain("survived");
        assertThat(r.usage().oomKills()).isPositive();
    }

    @Test
    void outputBeyondTheLimitKeepsTheTailAndIsFlagged() throws Exception {
        Sandbox capped = Sandbox.builder().outputLimit(MemorySize.ofBytes(1000)).build();
        ExecutionResult r = capped.run(Language.PYTHON3,
                "import sys\nfor i in range(2000): print('line', i)\nprint('END')\nsys.stderr.write('short')");
        assertThat(r.stdoutTruncated()).isTrue();
        assertThat(r.stdout().length()).isLessThanOrEqualTo(1000);
        assertThat(r.stdout()).endsWith("line 1999\nEND\n");
        assertThat(r.stdoutBytes()).isEqualTo(18_894); // "line 0\n" .. "line 1999\n" and "END\n"
        assertThat(r.stderrTruncated()).isFalse();
        assertThat(r.stderr()).isEqualTo("short");
        assertThat(r.toToolText()).contains("stdout: [truncated: last 1000 of " + r.stdoutBytes() + " bytes]");
    }

    @Test
    void forkBombStopsAtThePidsLimit() throws Exception {
        Sandbox few = Sandbox.builder().pidsMax(16).timeout(Duration.ofSeconds(20)).build();
        ExecutionResult r = few.run(Language.PYTHON3, String.join("\n",
                "import os, time",
                "n = 0",
                "try:",
                "    for i in range(40):",
                "        if os.fork() == 0:",
                "            time.sleep(5)",
                "            os._exit(0)",
                "        n += 1",
                "except OSError:",
                "    pass",
                "print(n)"));
        assertThat(Integer.parseInt(r.stdout().trim())).isLessThan(16);
        assertThat(r.usage().pidsLimitHit()).isTrue();
    }
}
