package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configured cgroup root is checked before anything is made: a directory of the cgroup v2 hierarchy, at or under this
 * process's own cgroup (job cgroups are made only there), on a host laid out as {@link HostFixtures} says.
 */
class DelegatedRootProblemTest {
    @TempDir
    Path fsRoot;

    private String problem(Path root) throws Exception {
        return Drivers.delegatedRootProblem(root, HostFixtures.V2_MOUNTINFO, HostFixtures.V2_CGROUP, fsRoot);
    }

    @Test
    void theOwnCgroupAndWhatIsBelowItAreFine() throws Exception {
        Path own = Files.createDirectories(fsRoot.resolve("sys/fs/cgroup/system.slice/app.service"));
        Path below = Files.createDirectories(own.resolve("jobs"));
        assertThat(problem(own)).isNull();
        assertThat(problem(below)).isNull();
    }

    @Test
    void aSiblingOrAParentOfTheOwnCgroupIsRefused() throws Exception {
        Path own = Files.createDirectories(fsRoot.resolve("sys/fs/cgroup/system.slice/app.service"));
        Path sibling = Files.createDirectories(fsRoot.resolve("sys/fs/cgroup/system.slice/other.service"));
        assertThat(problem(sibling)).startsWith("is not at or under this process's own cgroup (" + own + ")");
        assertThat(problem(own.getParent())).startsWith("is not at or under this process's own cgroup");
        // A link into the own cgroup from elsewhere counts where it leads.
        Path link = Files.createSymbolicLink(fsRoot.resolve("link"), own);
        assertThat(problem(link)).isNull();
    }

    @Test
    void whatIsNoCgroupDirectoryIsRefused() throws Exception {
        Files.createDirectories(fsRoot.resolve("sys/fs/cgroup/system.slice/app.service"));
        Path elsewhere = Files.createDirectories(fsRoot.resolve("etc"));
        assertThat(problem(elsewhere)).startsWith("is not on a cgroup v2 filesystem");
        assertThat(problem(fsRoot.resolve("missing"))).isEqualTo("does not exist");
        assertThat(problem(Files.writeString(fsRoot.resolve("file"), "x"))).isEqualTo("is not a directory");
        assertThat(Drivers.delegatedRootProblem(elsewhere, HostFixtures.V1_MOUNTINFO, HostFixtures.V1_CGROUP, fsRoot))
                .as("no v2 hierarchy at all").startsWith("is not on a cgroup v2 filesystem: this host mounts no");
    }
}
