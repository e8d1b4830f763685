package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "runs real jobs: needs root")
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

    @Test
    void withoutTtyTheJobHasPipes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Rnx.run(new String[] {"job", "run", "bash", "-c", "test -t 1 || echo pipe"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("pipe\n");
    }
}
