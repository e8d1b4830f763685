package dev.joblet.examples.rnx;

import static dev.joblet.examples.rnx.Captured.rnx;
import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.EnvironmentCheck;
import dev.joblet.Joblet;
import org.junit.jupiter.api.Test;

/** `rnx doctor` prints one line per check of Joblet.system().checkEnvironment() and exits 0 when jobs can start. */
class DoctorCommandTest {
    @Test
    void printsEveryCheckWithItsStatusAndExitsByWhetherJobsCanStart() {
        Captured c = rnx("doctor");
        for (EnvironmentCheck check : Joblet.system().checkEnvironment()) {
            assertThat(c.out()).contains(check.status() + " ").contains(check.name());
        }
        boolean blocking = Joblet.system().checkEnvironment().stream().anyMatch(x -> x.status() == EnvironmentCheck.Status.MISSING
                && !x.name().equals("landlock") && !x.name().equals("overlayfs") && !x.name().equals("private networks"));
        assertThat(c.status).isEqualTo(blocking ? 1 : 0);
        assertThat(c.out()).contains(blocking ? "jobs cannot start here" : "jobs can start here");
    }

    @Test
    void saysWhichDefaultsOfADefaultJobHoldHereAndWhichAreReplaced() {
        Captured c = rnx("doctor");
        EnvironmentCheck check = Joblet.system().checkEnvironment().stream().filter(x -> x.name().equals("default job"))
                .findFirst().orElseThrow(() -> new AssertionError("no 'default job' check"));
        assertThat(c.out()).contains(check.toString());
        // Whatever the host, the line says which isolation defaults hold.
        assertThat(check.detail()).contains("these hold: network none").contains("the default seccomp filter")
                .contains("no capabilities").contains("a read-only root").contains("/tmp a 512 MiB tmpfs");
        if ("root".equals(System.getProperty("user.name"))) {
            // Root (CI): every default holds, enforced by the job's cgroup.
            assertThat(check.status()).isEqualTo(EnvironmentCheck.Status.OK);
            assertThat(check.detail()).startsWith("every default holds: pids 1024 and memory 512 MiB by the job's cgroup");
        } else {
            // An ordinary user: cgroup-enforced if this user has a cgroup to write, else replaced by rlimits.
            assertThat(check.detail()).containsAnyOf("rootless in a cgroup this user may write",
                    "with the pids limit 1024 replaced by RLIMIT_NPROC");
            assertThat(check.detail()).contains("replaced: a host identity of its own by this JVM's uid");
        }
    }
}
