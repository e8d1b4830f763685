package dev.joblet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions: /work persists across calls, files move in and out, links never lead out, nothing remains. */
@NeedsRoot("for namespaces and cgroups")
class SandboxSessionTest {
    @TempDir
    Path root;

    private Sandbox sandbox() {
        return Sandbox.builder().sessionRoot(root).build();
    }

    @Test
    void filesInWorkPersistBetweenCallsAndMoveInAndOut() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            s.put("in/numbers.csv", "10\n20\n30\n".getBytes(StandardCharsets.UTF_8));
            ExecutionResult sum = s.run(Language.PYTHON3,
                    "t = sum(int(l) for l in open('/work/in/numbers.csv'))\nopen('total.txt', 'w').write(str(t))\nprint(t)");
            assertThat(sum.stdout()).as(sum.toToolText()).isEqualTo("60\n");
            ExecutionResult next = s.run(Language.BASH, "cat /work/total.txt; echo; ls /work");
            assertThat(next.stdout()).isEqualTo("60\nin\ntotal.txt\n");
            assertThat(new String(s.get("total.txt"), StandardCharsets.UTF_8)).isEqualTo("60");
            assertThat(new String(s.get("/work/in/numbers.csv"), StandardCharsets.UTF_8)).isEqualTo("10\n20\n30\n");
            assertThat(s.exists("total.txt")).isTrue();
            assertThat(s.exists("nope")).isFalse();
            assertThatThrownBy(() -> s.get("nope")).isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessage("/work/nope");
        }
    }

    @Test
    void eachCallIsItsOwnJobWithItsOwnLimits() throws Exception {
        Sandbox quick = Sandbox.builder().sessionRoot(root).timeout(Duration.ofMillis(300)).build();
        try (SandboxSession s = quick.openSession()) {
            ExecutionResult slow = s.run(Language.BASH, "echo kept > /work/f; sleep 1000 & echo $! > /work/pid; sleep 60");
            assertThat(slow.reason()).isEqualTo(dev.joblet.EndReason.TIMED_OUT);
            // the background sleep died with the call; the file it left stays
            ExecutionResult next = s.run(Language.BASH, "cat /work/f; ps -e -o comm= | grep -c sleep");
            assertThat(next.stdout()).isEqualTo("kept\n0\n");
        }
    }

    @Test
    void closeRemovesTheWorkspaceAndLaterCallsFail() throws Exception {
        SandboxSession s = sandbox().openSession();
        s.run(Language.BASH, "mkdir -p a/b && echo x > a/b/c && chmod 000 a/b");
        Path dir = s.hostDirectory();
        assertThat(dir).isDirectory();
        s.close();
        s.close(); // idempotent
        assertThat(dir).doesNotExist();
        assertThat(s.isOpen()).isFalse();
        assertThatThrownBy(() -> s.run(Language.BASH, "true")).isInstanceOf(IllegalStateException.class)
                .hasMessage("run: the session is closed (closed by close())");
        assertThatThrownBy(() -> s.put("x", new byte[0])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void idleSessionClosesItselfAndItsTimerThreadGoes() throws Exception {
        SandboxSession s = sandbox().openSession(Duration.ofMillis(100));
        Path dir = s.hostDirectory();
        waitUntil(() -> !s.isOpen());
        assertThat(dir).doesNotExist();
        assertThatThrownBy(() -> s.get("x")).isInstanceOf(IllegalStateException.class)
                .hasMessage("get: the session is closed (idle for PT0.1S)");
        waitUntil(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("joblet-session-idle")));
    }

    @Test
    void callsKeepTheSessionAlive() throws Exception {
        try (SandboxSession s = sandbox().openSession(Duration.ofSeconds(2))) {
            for (int i = 0; i < 3; i++) {
                s.put("f" + i, new byte[] {1}); // each call re-arms the idle timer
                assertThat(s.isOpen()).isTrue();
            }
        }
    }

    @Test
    void linksMadeByTheSnippetNeverLeadOutOfTheSandbox() throws Exception {
        Path outside = Files.createTempDirectory("joblet-canary");
        Path canary = Files.writeString(outside.resolve("canary"), "host secret");
        try {
            SandboxSession s = sandbox().openSession();
            // the snippet cannot see the host path, but it can write a link that points there on the host
            s.run(Language.BASH, "ln -s " + canary + " /work/leak; ln -s " + outside + " /work/dir; mkfifo /work/fifo");
            assertThatThrownBy(() -> s.get("leak")).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> s.get("dir/canary")).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> s.put("dir/new", new byte[] {1})).isInstanceOf(IOException.class)
                    .hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> s.put("leak", new byte[] {1})).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> s.get("fifo")).isInstanceOf(IOException.class).hasMessage("/work/fifo is not a regular file");
            s.close();
            assertThat(outside.resolve("new")).doesNotExist();
            assertThat(canary).hasContent("host secret"); // removal did not follow the links
        } finally {
            Files.deleteIfExists(canary);
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void pathsOutsideWorkAreRefused() throws Exception {
        try (SandboxSession s = sandbox().openSession()) {
            assertThatThrownBy(() -> s.put("../x", new byte[0])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("put: path (../x) must not contain '..'");
            assertThatThrownBy(() -> s.get("/etc/passwd")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("get: path (/etc/passwd) must be relative to /work or under /work/");
            assertThatThrownBy(() -> s.get("")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.put("a/../../b", new byte[0])).isInstanceOf(IllegalArgumentException.class);
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits for an event that must happen (bounded, so a broken build fails rather than hangs). */
    static void waitUntil(Condition c) throws Exception {
        for (int i = 0; i < 3000 && !c.holds(); i++) {
            Thread.sleep(10);
        }
        assertThat(c.holds()).as("condition reached within 30 s").isTrue();
    }
}
