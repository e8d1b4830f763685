package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root to create namespaces and mounts")
class TtyTest {
    /** This class's launcher; closing it after the last test checks that nothing of its jobs is left running. */
    @AutoClose
    private static final Launcher launcher = TestJobs.openLauncher();


    @Test
    void aTtyJobHasAControllingTerminalWithTheGivenSizeAndReadsTypedInput() throws Exception {
        TestJobs.Collector c = new TestJobs.Collector();
        LaunchedProcess p = launcher.launch(TestJobs.request("bash", "-c",
                "test -t 0 && test -t 1 && echo stdio-is-a-tty; read -r line; echo \"got $line\"; stty size; ps -o tty=,stat= -p $$")
                .tty(true).build(), c);
        p.resizeTerminal(33, 101);
        byte[] typed = "hello\n".getBytes(StandardCharsets.US_ASCII);
        p.writeInput(typed, 0, typed.length);
        assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
        String out = c.stdout().replace("\r", "");
        assertThat(out).contains("stdio-is-a-tty").contains("got hello").contains("33 101");
        // bash leads its session and is the terminal's foreground process group ("s+" in STAT: only a process
        // with a controlling terminal has a foreground group). The TTY column names it: the terminal is the first
        // pty of the job's own devpts instance.
        assertThat(out).containsPattern("pts/0 +[RS]s\\+");
        assertThat(c.stderr()).isEmpty();
        assertThatThrownBy(() -> p.writeInput(typed, 0, 1)).hasMessageContaining("has no terminal input");
    }

    @Test
    void ctrlCReachesTheForegroundProcessThroughTheLineDiscipline() throws Exception {
        TestJobs.Collector c = new TestJobs.Collector();
        LaunchedProcess p = launcher.launch(TestJobs.request("bash", "-c",
                "trap 'echo interrupted; exit 42' INT; echo ready; while :; do sleep 0.1; done").tty(true).build(), c);
        for (int i = 0; i < 200 && !c.stdout().contains("ready"); i++) {
            Thread.sleep(25);
        }
        p.writeInput(new byte[] {3}, 0, 1);
        assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(42));
        assertThat(c.stdout()).contains("interrupted");
    }

    @Test
    void pipeJobsHaveNoTerminalInput() throws Exception {
        LaunchedProcess p = launcher.launch(TestJobs.request("true").build(), OutputHandler.DISCARD);
        assertThatThrownBy(() -> p.writeInput(new byte[1], 0, 1)).hasMessageContaining("has no terminal input");
        p.onExit().get(20, TimeUnit.SECONDS);
    }
}
