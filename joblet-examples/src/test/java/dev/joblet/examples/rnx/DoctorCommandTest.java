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
}
