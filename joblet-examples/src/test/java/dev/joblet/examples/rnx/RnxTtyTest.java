package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@NeedsRoot("to run real jobs")
class RnxTtyTest {

    @Test
    void ttyGivesTheJobATerminalAndTopRunsInteractivelyOnce() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Rnx.run(new String[] {"job", "run", "--tty", "bash", "-c",
                        "test -t 0 && test -t 1 && test -t 2 && echo all-stdio-are-terminals; top -n 1 | grep -c Tasks"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8).replace("\r", "");
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(text).contains("all-stdio-are-terminals\n").contains("1\n");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--tty", "--init"})
    void theJobsTerminalHasRnxsSizeOrTheDefaultWhenItsCommandStarts(String option) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = option.equals("--tty") ? new String[] {"job", "run", "--tty", "stty", "size"}
                : new String[] {"job", "run", "--tty", "--init", "stty", "size"};
        int code = Rnx.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        int[] own = Terminal.size(); // this test's controlling terminal, when it has one
        String expected = own == null ? "24 80\n" : own[0] + " " + own[1] + "\n";
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).replace("\r", "")).isEqualTo(expected);
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("cannot size");
    }

    @Test
    void withoutTtyTheJobHasPipes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Rnx.run(new String[] {"job", "run", "bash", "-c", "test -t 1 || echo pipe"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("pipe\n");
    }

    @Test
    void withItsStdinAPipeTheJobStillGetsATerminalAndTheEndOfInputEndsItsRead() throws Exception {
        // A real rnx process whose stdin is a pipe, as in "echo hi | rnx job run --tty ...".
        Process rnx = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Rnx.class.getName(), "job", "run", "--tty", "bash", "-c",
                "tty; python3 -c 'import os; print(os.ttyname(1))'; read -r line; echo \"got $line\"; cat; echo cat-ended")
                .start();
        try (OutputStream in = rnx.getOutputStream()) {
            in.write("hi\nthere\n".getBytes(StandardCharsets.US_ASCII));
        }
        String out = new String(rnx.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replace("\r", "");
        String err = new String(rnx.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(rnx.waitFor(60, TimeUnit.SECONDS)).as("rnx ended").isTrue();
        assertThat(rnx.exitValue()).as(err + out).isZero();
        // tty and ttyname(1) name the job's terminal. What was typed is echoed by the terminal, wherever it comes
        // between the job's lines; cat ends at the Ctrl-D that stands for the end of rnx's stdin.
        assertThat(out.split("/dev/pts/0\n", -1)).as(out).hasSize(3);
        assertThat(out).contains("got hi\n").endsWith("there\ncat-ended\n");
    }
}
