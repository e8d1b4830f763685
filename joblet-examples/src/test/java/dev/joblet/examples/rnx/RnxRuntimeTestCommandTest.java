package dev.joblet.examples.rnx;

import static dev.joblet.examples.rnx.Captured.rnx;
import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnx runtime test NAME}: each check runs as a job in the runtime; a failing one fails the command. */
@NeedsRoot("to run the checks as jobs")
class RnxRuntimeTestCommandTest {
    @TempDir
    Path root;

    /** {@code <root>/<name>/rootfs} with the host's static busybox as sh, cat, ls, echo; and the manifest. */
    private void busyboxRuntime(String name, String manifest) throws Exception {
        Path busybox = Path.of("/bin/busybox");
        Assumptions.assumeTrue(Files.isExecutable(busybox), "needs a static /bin/busybox (busybox-static)");
        Path rootfs = Files.createDirectories(root.resolve(name).resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("usr/bin"));
        Files.copy(busybox, rootfs.resolve("usr/bin/busybox"));
        for (String tool : new String[] {"sh", "cat", "ls", "echo"}) {
            Files.createSymbolicLink(rootfs.resolve("usr/bin/" + tool), Path.of("busybox"));
        }
        Files.createSymbolicLink(rootfs.resolve("bin"), Path.of("usr/bin"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/marker"), "busybox-runtime\n");
        Files.writeString(root.resolve(name).resolve("runtime.conf"), manifest);
    }

    @Test
    void everyDeclaredCheckRunsInTheRuntimeAndAFailureFailsTheCommand() throws Exception {
        busyboxRuntime("tiny", "name = tiny\ncheck.marker = cat /etc/marker\ncheck.missing = cat /etc/none\n"
                + "check.after = echo still-run\n");
        Captured c = rnx("runtime", "test", "--root=" + root, "tiny");
        assertThat(c.status).as("%s", c).isEqualTo(1);
        // /etc/marker exists only in the runtime's tree: the check ran there, not on the host.
        assertThat(c.out()).containsPattern("(?m)^ok +marker +busybox-runtime$")
                .containsPattern("(?m)^FAILED +missing +exit 1: cat /etc/none$")
                .contains("| cat: can't open '/etc/none'")
                .containsPattern("(?m)^ok +after +still-run$")
                .contains("tiny: 1 of 3 steps failed");
    }

    @Test
    void passingChecksExitZeroAndJsonListsEachStep() throws Exception {
        busyboxRuntime("good", "name = good\ncheck.marker = cat /etc/marker\n");
        Captured c = rnx("runtime", "test", "--root=" + root, "--json", "good");
        assertThat(c.status).as("%s", c).isZero();
        assertThat(c.out()).isEqualTo("{\"runtime\":\"good\",\"ok\":true,\"steps\":[{\"name\":\"marker\",\"command\":"
                + "\"cat /etc/marker\",\"ok\":true,\"detail\":\"exit 0\",\"output\":\"busybox-runtime\\n\"}]}\n");
    }

    @Test
    void anMlRuntimeWithoutDeclaredChecksGetsItsRecipesInterpreterAndImportChecks() throws Exception {
        // Installed before manifests held checks: the recipe's checks apply; busybox has no python3, so each fails.
        busyboxRuntime("python-3.11-ml", "name = python-3.11-ml\n");
        Captured c = rnx("runtime", "test", "--root=" + root, "python-3.11-ml");
        assertThat(c.status).as("%s", c).isEqualTo(1);
        for (String step : new String[] {"python", "numpy", "pandas", "sklearn"}) {
            assertThat(c.out()).containsPattern("(?m)^FAILED +" + step + " +exit 127: python3 -c 'import");
        }
        assertThat(c.out()).contains("python-3.11-ml: 4 of 4 steps failed");
    }

    @Test
    void theHostRuntimeChecksAShellAndLs() {
        Captured c = rnx("runtime", "test", "--root=" + root, "host");
        assertThat(c.status).as("%s", c).isZero();
        assertThat(c.out()).containsPattern("(?m)^ok +shell +shell ok$").containsPattern("(?m)^ok +ls +/usr/bin/env$")
                .contains("host: all 2 steps passed");
    }

    @Test
    void aMissingRuntimeNamesTheInstalledOnes() throws Exception {
        busyboxRuntime("tiny", "name = tiny\n");
        Captured c = rnx("runtime", "test", "--root=" + root, "nope");
        assertThat(c.status).isEqualTo(1);
        assertThat(c.err()).contains("runtime nope is not installed under " + root + " (installed: tiny)");
    }
}
