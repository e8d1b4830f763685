package dev.joblet;

import dev.joblet.testing.NeedsRoot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The two PID-1 modes. By default the command is PID 1 of the job. With {@code init(true)} the helper's minimal init is
 * PID 1 and the command PID 2: orphans are reaped (no zombies), signals reach the command (a stop's SIGTERM ends a
 * command that does not handle it, as it would on the host), and the job's exit status or signal is the command's.
 */
@NeedsRoot("for namespaces and cgroups")
class JobInitTest {

    private static Job start(boolean init, String script) throws Exception {
        return Joblet.builder().init(init).command("sh", "-c", script).start();
    }

    private static String output(boolean init, String script) throws Exception {
        try (Job job = start(init, script)) {
            job.await();
            return job.stdout().text();
        }
    }

    private static void awaitOutput(Job job, String text) throws InterruptedException {
        for (int i = 0; i < 2_000 && !job.stdout().text().contains(text); i++) {
            Thread.sleep(5);
        }
        assertThat(job.stdout().text()).as("the job got ready").contains(text);
    }

    @Test
    void byDefaultTheCommandIsPid1() throws Exception {
        assertThat(output(false, "echo $$; ps -o pid=,comm= >/tmp/ps; tr -s ' ' </tmp/ps")).isEqualTo("1\n 1 sh\n 2 ps\n");
    }

    @Test
    void withInitPsShowsInitAsPid1AndTheCommandAsPid2() throws Exception {
        assertThat(output(true, "echo $$; ps -o pid=,ppid=,comm= >/tmp/ps; tr -s ' ' </tmp/ps"))
                .isEqualTo("2\n 1 0 joblet-init\n 2 1 sh\n 3 2 ps\n");
    }

    /**
     * A grandchild orphaned by its parent is re-parented to PID 1. Init reaps it; a command that never waits for
     * children it did not start (Python here) leaves it a zombie when it is PID 1 itself.
     */
    @Test
    void withInitOrphansAreReaped() throws Exception {
        String zombies = "import glob, subprocess, time\n"
                + "subprocess.run(['sh', '-c', 'sleep 0.1 &'])\n"
                + "time.sleep(1)\n"
                + "print(sum(1 for f in glob.glob('/proc/[0-9]*/stat') if open(f).read().rsplit(')', 1)[1].split()[0] == 'Z'))\n";
        for (boolean init : new boolean[] {true, false}) {
            try (Job job = Joblet.builder().init(init).command("python3", "-c", zombies).start()) {
                job.await();
                assertThat(job.stdout().text()).as("zombies, init " + init + ": " + job.stderr().text())
                        .isEqualTo(init ? "0\n" : "1\n");
            }
        }
    }

    @Test
    void withInitAStopsTermEndsACommandThatDoesNotHandleIt() throws Exception {
        try (Job job = start(true, "echo ready; sleep 60")) {
            awaitOutput(job, "ready");
            JobResult r = job.stop(Duration.ofSeconds(30)).get(60, TimeUnit.SECONDS);
            assertThat(r.reason()).isEqualTo(EndReason.STOPPED);
            assertThat(r.signal()).as("ended by the TERM itself, not the KILL after the grace").hasValue(15);
        }
        // Without init the kernel drops the TERM to a PID 1 without a handler: the job is killed.
        try (Job job = start(false, "echo ready; sleep 60")) {
            awaitOutput(job, "ready");
            assertThat(job.stop(Duration.ofSeconds(30)).get(60, TimeUnit.SECONDS).signal()).hasValue(9);
        }
    }

    @Test
    void withInitEverySignalIsForwardedToTheCommand() throws Exception {
        // Sent to PID 1 (init) from inside the job; each trap runs in the command once its sleep is interrupted.
        String script = "for s in HUP INT QUIT USR1 USR2 WINCH TERM; do trap \"echo got $s\" $s; done;"
                + " for s in HUP INT QUIT USR1 USR2 WINCH TERM; do kill -s $s 1; sleep 0.2; done";
        assertThat(output(true, script)).isEqualTo("got HUP\ngot INT\ngot QUIT\ngot USR1\ngot USR2\ngot WINCH\ngot TERM\n");
    }

    @Test
    void withInitTheJobEndsAsTheCommandDid() throws Exception {
        try (Job job = start(true, "exit 7")) {
            JobResult r = job.await();
            assertThat(r.exitCode()).hasValue(7);
            assertThat(r.signal()).isEmpty();
        }
        try (Job job = start(true, "kill -USR1 $$")) {
            JobResult r = job.await();
            assertThat(r.signal()).hasValue(10);
            assertThat(r.exitCode()).isEmpty();
        }
    }

    @Test
    void withInitAMissingProgramFailsTheStartAsWithout() {
        for (boolean init : new boolean[] {false, true}) {
            assertThatThrownBy(() -> Joblet.builder().init(init).command("no-such-program-compat").start())
                    .as("init " + init).isInstanceOf(JobStartException.class).hasMessageContaining("no-such-program-compat");
        }
    }

    @Test
    void withInitTheJobsOtherProcessesEndWithTheCommand() throws Exception {
        try (Job job = start(true, "sleep 60 & echo started")) {
            JobResult r = job.await(Duration.ofSeconds(30)).orElseThrow();
            assertThat(r.isSuccess()).isTrue();
        }
    }

    @Test
    void initRunsAsTheJobsUserUnderItsFilter() throws Exception {
        // Init is the job's own process: the same ids, no_new_privs and seccomp mode as the command.
        String script = "for p in 1 $$; do grep -E '^(Uid|NoNewPrivs|Seccomp):' /proc/$p/status | tr -s ' \\t' ' ';"
                + " done";
        String out = output(true, script);
        String[] lines = out.split("\n");
        assertThat(lines).hasSize(6);
        assertThat(lines[0] + lines[1] + lines[2]).isEqualTo(lines[3] + lines[4] + lines[5]);
        assertThat(out).contains("NoNewPrivs: 1").contains("Seccomp: 2");
    }
}
