package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nothing a job signals reaches a process outside it: the supervisor and the job each have a session and a process
 * group of their own, and the job its own PID namespace. From a default job and from a {@code privileged()} one,
 * {@code kill(0)}, {@code kill(-1)}, the JVM's pgid and another job's pgid, each sent SIGKILL, leave a host process
 * of the job's own uid (65534), a root host process in the JVM's process group, another job and this JVM alive.
 * Without the sessions (as before), {@code kill(0)} from a default job killed the other job and the uid-65534 host
 * process, and from a privileged job this JVM.
 */
@NeedsRoot("for namespaces and cgroups")
class JobSignalsStayInsideTest {
    private static Process nobodyOnTheHost;
    private static Process rootOnTheHost;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
        // Both in this JVM's process group and session, as ProcessBuilder leaves them.
        nobodyOnTheHost = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "600")
                .start();
        rootOnTheHost = new ProcessBuilder("sleep", "600").start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (Process p : new Process[] {nobodyOnTheHost, rootOnTheHost}) {
            if (p != null) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    /** Field 5 of /proc/self/stat: this JVM's process group. */
    private static long jvmProcessGroup() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    /**
     * Python for PID 1 of the attacking job: each kill runs in a child (PID 1 itself is immune to signals from its
     * own namespace), which reports its errno as its exit code or dies of its own signal.
     */
    private static String attack(long jvmPgid, long siblingPgid) {
        return String.join("\n",
                "import os",
                "def k(target):",
                "    pid = os.fork()",
                "    if pid == 0:",
                "        try:",
                "            os.kill(target, 9)",
                "            os._exit(0)",
                "        except OSError as e:",
                "            os._exit(e.errno)",
                "    _, st = os.waitpid(pid, 0)",
                "    return 'killed' if os.WIFSIGNALED(st) else 'errno=%d' % os.WEXITSTATUS(st)",
                "print('session', os.getpgrp(), os.getsid(0))",
                "print('kill 0', k(0))",
                "print('kill -1', k(-1))",
                "print('kill jvm pgid', k(-" + jvmPgid + "))",
                "print('kill sibling pgid', k(-" + siblingPgid + "))");
    }

    private void attackFrom(UnaryOperator<JobSpec.Builder> kind) throws Exception {
        try (Job sibling = Joblet.builder().command("sleep", "600").start()) {
            JobSpec.Builder b = kind.apply(Joblet.builder().command("python3", "-c", attack(jvmProcessGroup(), sibling.pid())));
            try (Job attacker = b.start()) {
                JobResult r = attacker.await();
                assertThat(sibling.isAlive()).as("the other job survives").isTrue();
                assertThat(nobodyOnTheHost.isAlive()).as("the host process of the job's uid survives").isTrue();
                String out = attacker.stdout().text().replace("\r\n", "\n"); // a terminal writes CR LF
                assertThat(r.exitCode()).as("%s; stderr %s", r, attacker.stderr().text()).hasValue(0);
                // Its own session and group (PID 1's), in which kill(0) did reach the child that sent it.
                assertThat(out).contains("session 1 1\n").contains("kill 0 killed\n");
                // Nothing else in its namespace to signal, and host pgids have no number in there.
                assertThat(out).contains("kill -1 errno=3\n").contains("kill jvm pgid errno=3\n")
                        .contains("kill sibling pgid errno=3\n");
            }
            assertThat(sibling.isAlive()).as("the other job survives").isTrue();
        }
        assertThat(nobodyOnTheHost.isAlive()).as("the host process of the job's uid survives").isTrue();
        assertThat(rootOnTheHost.isAlive()).as("the root host process in the JVM's group survives").isTrue();
    }

    @Test
    void fromADefaultJob() throws Exception {
        attackFrom(b -> b);
    }

    @Test
    void fromARootInUserNamespaceJob() throws Exception {
        attackFrom(JobSpec.Builder::rootInUserNamespace);
    }

    @Test
    void fromAPrivilegedJob() throws Exception {
        attackFrom(JobSpec.Builder::privileged);
    }

    @Test
    void fromATtyJob() throws Exception {
        // A tty job's session is its own too, with its terminal as the controlling one.
        attackFrom(b -> b.tty(true));
    }

    @Test
    void theSupervisorIsOutOfTheJvmsSessionToo() throws Exception {
        try (Job job = Joblet.builder().command("sleep", "600").start()) {
            String stat = Files.readString(Path.of("/proc/" + job.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long supervisor = Long.parseLong(f[1]);
            String sup = Files.readString(Path.of("/proc/" + supervisor + "/stat"));
            String[] s = sup.substring(sup.lastIndexOf(')') + 2).split(" ");
            assertThat(Long.parseLong(s[2])).as("the supervisor leads its own group").isEqualTo(supervisor);
            assertThat(Long.parseLong(s[3])).as("and its own session").isEqualTo(supervisor);
            assertThat(Long.parseLong(f[2])).as("the job leads its own group").isEqualTo(job.pid());
            assertThat(Long.parseLong(f[3])).as("and its own session").isEqualTo(job.pid());
        }
    }
}
