package dev.joblet.examples.rnx;

import static dev.joblet.examples.rnx.Captured.rnx;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The command tree around `rnx job run`: help, version, and what happens to commands rnx does not know. */
class RnxTest {
    @Test
    void noCommandPrintsUsageAsAnError() {
        Captured c = rnx();
        assertThat(c.status).isEqualTo(2);
        assertThat(c.err()).contains("Usage: rnx").contains("job");
        assertThat(c.out()).isEmpty();
    }

    @Test
    void unknownSubcommandPrintsUsageAsAnError() {
        Captured c = rnx("frobnicate");
        assertThat(c.status).isEqualTo(2);
        assertThat(c.err()).contains("'frobnicate'").contains("Usage: rnx");
        Captured inJob = rnx("job", "frobnicate");
        assertThat(inJob.status).isEqualTo(2);
        assertThat(inJob.err()).contains("'frobnicate'").contains("Usage: rnx job");
    }

    @Test
    void jobAlonePrintsItsUsageAsAnError() {
        Captured c = rnx("job");
        assertThat(c.status).isEqualTo(2);
        assertThat(c.err()).contains("Usage: rnx job").contains("run");
    }

    @Test
    void versionNamesRnxAndItsVersion() {
        Captured c = rnx("--version");
        assertThat(c.status).isZero();
        assertThat(c.out()).startsWith("rnx ").doesNotContain("unknown").doesNotContain("${");
    }

    @Test
    void everyCommandHasHelp() {
        assertThat(rnx("help").out()).contains("Usage: rnx");
        assertThat(rnx("--help").out()).contains("Usage: rnx");
        assertThat(rnx("job", "--help").out()).contains("Usage: rnx job");
        assertThat(rnx("job", "help", "run").out()).contains("Usage: rnx job run");
        Captured run = rnx("job", "run", "--help");
        assertThat(run.status).isZero();
        assertThat(run.out()).contains("Usage: rnx job run").contains("COMMAND");
        for (String flag : new String[] {"--runtime", "--max-cpu", "--max-memory", "--max-iobps", "--cpu-cores",
            "--network", "--volume", "--env", "--secret-env", "--timeout", "--workdir", "--pids-max", "--json"}) {
            assertThat(run.out()).contains(flag);
        }
    }
}
