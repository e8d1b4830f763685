package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.cgroups.CgroupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NioCgroupFsTest {
    private final NioCgroupFs fs = NioCgroupFs.INSTANCE;

    @Test
    void writeReplacesAndNeverCreates(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pids.max");
        Files.writeString(file, "max\n");
        fs.write(file, "16");
        assertThat(fs.read(file)).isEqualTo("16");
        assertThatThrownBy(() -> fs.write(dir.resolve("memory.max"), "1"))
                .isInstanceOf(CgroupException.class)
                .hasMessage("write " + dir.resolve("memory.max") + ": No such file or directory (value \"1\")");
    }

    @Test
    void errorsNameTheOperationPathAndCause(@TempDir Path dir) throws IOException, CgroupException {
        Path sub = dir.resolve("job");
        fs.mkdir(sub);
        assertThatThrownBy(() -> fs.mkdir(sub)).hasMessage("mkdir " + sub + ": File exists");
        Files.createDirectory(sub.resolve("child"));
        assertThatThrownBy(() -> fs.rmdir(sub)).hasMessage("rmdir " + sub + ": Directory not empty");
        assertThatThrownBy(() -> fs.read(dir.resolve("x"))).hasMessage("read " + dir.resolve("x")
                + ": No such file or directory");
    }

    @Test
    void readIfExistsIsNullOnlyForAMissingFileAndReadsLongFilesWhole(@TempDir Path dir) throws Exception {
        assertThat(fs.readIfExists(dir.resolve("pids.peak"))).isNull();
        assertThatThrownBy(() -> fs.readIfExists(dir)).as("a directory is no missing file")
                .isInstanceOf(CgroupException.class);
        StringBuilder procs = new StringBuilder();
        for (int pid = 1; pid < 5000; pid++) {
            procs.append(pid).append('\n');
        }
        Files.writeString(dir.resolve("cgroup.procs"), procs);
        assertThat(fs.readIfExists(dir.resolve("cgroup.procs"))).isEqualTo(procs.toString());
        assertThat(fs.read(dir.resolve("cgroup.procs"))).isEqualTo(procs.toString());
        Files.writeString(dir.resolve("pids.current"), "3\n");
        assertThat(fs.read(dir.resolve("pids.current"))).as("the buffer is reused").isEqualTo("3\n");
        Files.writeString(dir.resolve("empty"), "");
        assertThat(fs.read(dir.resolve("empty"))).isEmpty();
    }

    @Test
    void writeIfExistsWritesNothingWhenTheFileIsMissing(@TempDir Path dir) throws Exception {
        assertThat(fs.writeIfExists(dir.resolve("memory.oom.group"), "1")).isFalse();
        assertThat(dir.resolve("memory.oom.group")).doesNotExist();
        Files.writeString(dir.resolve("memory.oom.group"), "0\n");
        assertThat(fs.writeIfExists(dir.resolve("memory.oom.group"), "1")).isTrue();
        assertThat(fs.read(dir.resolve("memory.oom.group"))).isEqualTo("1");
    }

    @Test
    void subdirectoriesAreSortedAndEmptyForAMissingDir(@TempDir Path dir) throws IOException, CgroupException {
        Files.createDirectory(dir.resolve("b"));
        Files.createDirectory(dir.resolve("a"));
        Files.writeString(dir.resolve("cgroup.procs"), "");
        assertThat(fs.subdirectories(dir)).containsExactly(dir.resolve("a"), dir.resolve("b"));
        assertThat(fs.subdirectories(dir.resolve("none"))).isEmpty();
    }
}
