package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A tty job's terminal is a pty of the job's own devpts instance, made inside the job: {@code tty} and
 * {@code ttyname(3)} name it, {@code /dev/pts} shows it, it is the controlling terminal (job control, Ctrl-C to the
 * foreground group, resizes), and input typed through {@link Job#terminalInput()} reaches it. The instance is
 * bounded by {@link JobSpec#ptysMax}: one pty more fails inside the job, and other jobs keep theirs.
 */
@NeedsRoot("to run real jobs")
class JobTerminalIsItsOwnDevptsTest {

    private static String output(Job job) {
        return job.stdout().text().replace("\r", "");
    }

    private static void awaitOutput(Job job, String text) throws InterruptedException {
        for (int i = 0; i < 400 && !output(job).contains(text); i++) {
            Thread.sleep(25);
        }
        assertThat(output(job)).as("job output").contains(text);
    }

    @ParameterizedTest(name = "root in user namespace: {0}")
    @ValueSource(booleans = {false, true})
    void ttyAndTtynameNameTheFirstPtyOfTheJobsOwnDevpts(boolean rootInUserNamespace) throws Exception {
        JobSpec.Builder b = Joblet.builder();
        if (rootInUserNamespace) {
            b.rootInUserNamespace();
        }
        try (Job job = b.tty(true).command("bash", "-c", "tty; python3 -c 'import os; print(os.ttyname(0))';"
                + " echo pts: $(ls /dev/pts); test \"$(stat -c %u /dev/pts/0)\" = \"$(id -u)\" && echo owned-by-the-job;"
                + " ps -o tty=,stat= -p $$").start()) {
            JobResult r = job.await();
            String out = output(job);
            assertThat(r.exitCode()).as(out).hasValue(0);
            assertThat(out).startsWith("/dev/pts/0\n/dev/pts/0\npts: 0 ptmx\nowned-by-the-job\n");
            // bash leads its session, and its group is the terminal's foreground group ("s+").
            assertThat(out).containsPattern("pts/0 +[RS]s\\+");
        }
    }

    @Test
    void resizeAndTypedInputReachTheTerminal() throws Exception {
        try (Job job = Joblet.builder().tty(true)
                .command("bash", "-c", "stty size; echo ready; read -r line; echo \"got $line\"; stty size").start()) {
            awaitOutput(job, "ready");
            job.resizeTerminal(40, 120);
            OutputStream in = job.terminalInput();
            in.write("hello\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
            JobResult r = job.await();
            String out = output(job);
            assertThat(r.exitCode()).as(out).hasValue(0);
            assertThat(out).startsWith(JobSpec.DEFAULT_TTY_ROWS + " " + JobSpec.DEFAULT_TTY_COLUMNS + "\nready\n").contains("got hello\n").endsWith("40 120\n");
        }
    }

    @ParameterizedTest(name = "init: {0}")
    @ValueSource(booleans = {false, true})
    void theTerminalHasTheSpecsSizeBeforeTheCommandStartsAndResizesLater(boolean init) throws Exception {
        // The command's very first look (no sleep, no wait for a resize) sees the size: it was set before exec.
        try (Job job = Joblet.builder().tty(37, 111).init(init)
                .command("bash", "-c", "stty size; echo ready; read -r line; stty size").start()) {
            awaitOutput(job, "ready");
            job.resizeTerminal(50, 132);
            job.terminalInput().write("go\n".getBytes(StandardCharsets.US_ASCII));
            job.terminalInput().flush();
            JobResult r = job.await();
            String out = output(job);
            assertThat(r.exitCode()).as(out).hasValue(0);
            assertThat(out).startsWith("37 111\nready\n").endsWith("50 132\n");
        }
    }

    @Test
    void jobControlGivesTheTerminalToAForegroundGroupAndCtrlCInterruptsOnlyThatGroup() throws Exception {
        // A shell's job control, written out: the child leads a process group of its own and takes the terminal
        // (tcsetpgrp works on the controlling terminal only); Ctrl-C, typed, is SIGINT to that group alone.
        String code = String.join("\n",
                "import os, signal, time",
                "pid = os.fork()",
                "if pid == 0:",
                "    signal.signal(signal.SIGTTOU, signal.SIG_IGN)",
                "    os.setpgid(0, 0)",
                "    os.tcsetpgrp(0, os.getpgrp())",
                "    print('ready', flush=True)",
                "    time.sleep(30)",
                "    os._exit(0)",
                "_, status = os.waitpid(pid, 0)",
                "signal.signal(signal.SIGTTOU, signal.SIG_IGN)",
                "os.tcsetpgrp(0, os.getpgrp())",
                "print('foreground group ended by signal', os.WTERMSIG(status) if os.WIFSIGNALED(status) else None)");
        try (Job job = Joblet.builder().tty(true).command("python3", "-c", code).start()) {
            awaitOutput(job, "ready");
            job.terminalInput().write(3);
            JobResult r = job.await();
            String out = output(job);
            assertThat(r.exitCode()).as(out).hasValue(0);
            assertThat(out).contains("foreground group ended by signal 2\n");
        }
    }

    @Test
    void openingMoreThanPtysMaxFailsInsideTheJobAndLeavesOtherJobsTheirs() throws Exception {
        String open = "import errno, os, sys, time\nptys = []\ntry:\n    while len(ptys) < 100:\n        ptys.append(os.openpty())\n"
                + "except OSError as e:\n    print('opened', len(ptys), errno.errorcode[e.errno], flush=True)\ntime.sleep(LINGER)\n";
        try (Job holder = Joblet.builder().ptysMax(4).command("python3", "-c", open.replace("LINGER", "30")).start()) {
            awaitOutput(holder, "opened");
            assertThat(output(holder)).isEqualTo("opened 4 ENOSPC\n");
            // While the first holds all of its own, a tty job of the same bound has its terminal and three more.
            try (Job other = Joblet.builder().ptysMax(4).tty(true).command("python3", "-c", open.replace("LINGER", "0"))
                    .start()) {
                assertThat(other.await().exitCode()).hasValue(0);
                assertThat(output(other)).isEqualTo("opened 3 ENOSPC\n");
            }
        }
    }

    @Test
    void theDefaultBoundStopsThePoolDrainAndWithoutItTheDrainGoesOn() throws Exception {
        String code = EscapeAttempts.PRELUDE + EscapeAttemptsPtys.DRAIN;
        try (Job job = Joblet.builder().command("python3", "-c", code).start()) {
            JobResult r = job.await();
            assertThat(r.exitCode()).as(output(job)).hasValue(0);
            assertThat(output(job)).isEqualTo("blocked after " + JobSpec.DEFAULT_PTYS_MAX + " ENOSPC\n");
        }
        // The defence relaxed: the drain goes past the default bound (to where the attempt stops by itself).
        try (Job job = Joblet.builder().ptysMax(1 << 20).command("python3", "-c", code).start()) {
            JobResult r = job.await();
            assertThat(output(job)).isEqualTo("ESCAPED: opened " + EscapeAttemptsPtys.DRAINED + " ptys\n");
            assertThat(r.exitCode()).hasValue(1);
        }
    }

    @Test
    void aTtyJobNeedsAtLeastOnePty() {
        assertThatThrownBy(() -> Joblet.builder().tty(true).ptysMax(0).command("true").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ptysMax (0)");
        assertThatThrownBy(() -> Joblet.builder().ptysMax(-1)).hasMessageContaining("ptysMax (-1) must be 0-1048576");
        assertThat(Joblet.builder().command("true").build().ptysMax()).isEqualTo(JobSpec.DEFAULT_PTYS_MAX);
    }
}
