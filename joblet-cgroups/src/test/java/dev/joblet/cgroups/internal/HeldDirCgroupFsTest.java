package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeldDirCgroupFsTest {
    private final HeldDirCgroupFs fs = new HeldDirCgroupFs();

    @Test
    void belowAHeldDirectoryEveryOperationBehavesAsByFullPath(@TempDir Path tmp) throws Exception {
        Path owner = tmp.resolve("joblet/jvm-1");
        Files.createDirectories(owner);
        fs.hold(owner);
        Path job = owner.resolve("j");
        fs.mkdir(job);
        Files.writeString(job.resolve("pids.max"), "max\n");

        fs.write(job.resolve("pids.max"), "16");
        assertThat(fs.read(job.resolve("pids.max"))).isEqualTo("16");
        assertThat(fs.readIfExists(job.resolve("pids.peak"))).isNull();
        assertThat(fs.writeIfExists(job.resolve("memory.oom.group"), "1")).isFalse();
        assertThat(job.resolve("memory.oom.group")).doesNotExist();
        assertThatThrownBy(() -> fs.write(job.resolve("memory.max"), "1"))
                .hasMessage("write " + job.resolve("memory.max") + ": No such file or directory (value \"1\")");
        assertThatThrownBy(() -> fs.read(job.resolve("cpu.max")))
                .hasMessage("read " + job.resolve("cpu.max") + ": No such file or directory");
        assertThatThrownBy(() -> fs.rmdir(job)).hasMessage("rmdir " + job + ": Directory not empty");
        Files.delete(job.resolve("pids.max"));
        fs.rmdir(job);
        assertThat(job).doesNotExist();
        assertThatThrownBy(() -> fs.rmdir(job)).hasMessage("rmdir " + job + ": No such file or directory");
        fs.release(owner);
    }

    @Test
    void aHeldDirectoryRemovedAndMadeAgainOrReleasedFallsBackToFullPaths(@TempDir Path tmp) throws Exception {
        Path owner = tmp.resolve("jvm-1");
        Files.createDirectory(owner);
        fs.hold(owner);
        Files.delete(owner);
        Files.createDirectory(owner);
        Path job = owner.resolve("j");
        fs.mkdir(job);
        Files.writeString(job.resolve("cpu.stat"), "usage_usec 1\n");

        assertThat(fs.read(job.resolve("cpu.stat"))).isEqualTo("usage_usec 1\n");
        fs.write(job.resolve("cpu.stat"), "x");
        assertThat(Files.readString(job.resolve("cpu.stat"))).isEqualTo("x");
        Files.delete(job.resolve("cpu.stat"));
        fs.rmdir(job);
        assertThat(job).doesNotExist();

        fs.mkdir(job);
        fs.release(owner);
        fs.release(owner);
        fs.rmdir(job);
        assertThat(job).doesNotExist();
    }

    @Test
    void holdingAMissingDirectoryHoldsNothing(@TempDir Path tmp) throws Exception {
        fs.hold(tmp.resolve("none"));
        Files.createDirectories(tmp.resolve("none/j"));
        fs.rmdir(tmp.resolve("none/j"));
        assertThat(tmp.resolve("none/j")).doesNotExist();
    }
}
