package dev.joblet.examples.rnx;

import static dev.joblet.examples.rnx.Captured.rnx;
import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `rnx runtime ...` on fake runtimes, and `rnx job run` with runtimes and uploads. */
class RnxRuntimeTest {
    @TempDir
    Path root;

    private void fake(String name, String manifest) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name).resolve("rootfs/usr/bin"));
        Files.writeString(root.resolve(name).resolve("runtime.conf"), manifest);
        Files.writeString(dir.resolve("x"), "x");
    }

    @Test
    void listInfoValidateRemove() throws Exception {
        fake("alpha", "name = alpha\nversion = 7\ndescription = first\nenv.A = 1\n");
        fake("beta", "name = beta\nnope\n");
        String r = "--root=" + root;
        Captured list = rnx("runtime", "list", r);
        assertThat(list.status).as("%s", list).isZero();
        assertThat(list.out()).contains("alpha").contains("7").contains("first")
                .containsPattern("beta +- +INVALID: .*runtime.conf:2: expected 'key = value'");
        Captured info = rnx("runtime", "info", r, "alpha");
        assertThat(info.status).as("%s", info).isZero();
        assertThat(info.out()).contains("version:     7").contains("env:         A=1").contains("root tree:   " + root + "/alpha/rootfs");
        assertThat(rnx("runtime", "validate", r, "alpha").out()).isEqualTo("alpha: ok\n");
        Captured bad = rnx("runtime", "validate", r, "beta");
        assertThat(bad.status).isEqualTo(1);
        assertThat(bad.err()).contains("beta: " + root + "/beta/runtime.conf:2:");
        Captured missing = rnx("runtime", "info", r, "gamma");
        assertThat(missing.status).isEqualTo(1);
        assertThat(missing.err()).contains("gamma is not installed").contains("installed: alpha, beta");
        assertThat(rnx("runtime", "remove", r, "alpha").status).isZero();
        assertThat(root.resolve("alpha")).doesNotExist();
        assertThat(rnx("runtime", "remove", r, "alpha").status).isEqualTo(1);
    }

    @Test
    void installOfAnUnknownRecipeIsAUsageError() {
        Captured c = rnx("runtime", "install", "--root=" + root, "ruby-3");
        assertThat(c.status).isEqualTo(2);
        assertThat(c.err()).contains("runtime (ruby-3) cannot be built; known: python-3.11, python-3.11-ml");
    }

    @Test
    void uploadTargetsOutsideTheWorkspaceAreUsageErrors(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("f.txt"), "f");
        Captured c = rnx("job", "run", "--upload=" + dir.resolve("f.txt") + ":../f.txt", "true");
        assertThat(c.status).isEqualTo(2);
        assertThat(c.err()).contains("--upload (").contains("): upload target (../f.txt) must not contain '..'");
        Captured missing = rnx("job", "run", "--upload-dir=" + dir.resolve("none"), "true");
        assertThat(missing.status).isEqualTo(2);
        assertThat(missing.err()).contains("must be an existing directory");
    }

    @Test
    @NeedsRoot("to run real jobs")
    void uploadsAreInWorkWhenTheJobStarts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("main.py"), "print('from main.py')\n");
        Files.createDirectories(dir.resolve("proj/data"));
        Files.writeString(dir.resolve("proj/data/in.csv"), "a,b\n");
        Captured c = rnx("job", "run", "--upload=" + dir.resolve("main.py"), "--upload-dir=" + dir.resolve("proj"),
                "--upload-dir=" + dir.resolve("proj") + ":copy", "bash", "-c", "python3 main.py; cat data/in.csv copy/data/in.csv");
        assertThat(c.status).as("%s", c).isZero();
        assertThat(c.out()).isEqualTo("from main.py\na,b\na,b\n");
    }

    @Test
    @NeedsRoot("to run real jobs")
    void aNamedVolumePersistsBetweenJobsAtVolumesName(@TempDir Path volumes) {
        System.setProperty("joblet.volumes", volumes.toString());
        try {
            Captured write = rnx("job", "run", "--volume=results", "sh", "-c", "echo kept > /volumes/results/r.txt");
            assertThat(write.status).as("%s", write).isZero();
            assertThat(volumes.resolve("results/r.txt")).hasContent("kept");
            Captured read = rnx("job", "run", "--volume=results", "cat", "/volumes/results/r.txt");
            assertThat(read.out()).isEqualTo("kept\n");
            assertThat(rnx("job", "run", "--volume=bad/name", "true").status).isEqualTo(2);
        } finally {
            System.clearProperty("joblet.volumes");
        }
    }

    @Test
    @NeedsRoot("to start a job")
    void anUnknownRuntimeNamesTheInstalledOnes() throws Exception {
        fake("alpha", "name = alpha\n");
        System.setProperty("joblet.runtimes", root.toString());
        try {
            Captured c = rnx("job", "run", "--runtime=python-3.11-ml", "true");
            assertThat(c.status).isEqualTo(125);
            assertThat(c.err()).contains("runtime python-3.11-ml is not installed").contains(": alpha;");
        } finally {
            System.clearProperty("joblet.runtimes");
        }
    }
}
