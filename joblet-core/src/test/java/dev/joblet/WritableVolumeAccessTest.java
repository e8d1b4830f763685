package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writable volume works for the job's unprivileged host user or is refused before the job starts: a source the
 * job may not write is refused naming the volume, its source, owner and mode, the job's uid and what to do; a
 * source handed to the job ({@link Volume#ownedByJob()}) becomes the job's, through no link, and the job's files in
 * it are the job's on the host.
 */
class WritableVolumeAccessTest {
    private static JobResult await(Job job) throws InterruptedException {
        return job.await(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("job did not end in 60 s"));
    }

    private static Object attr(Path p, String name) throws Exception {
        return Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
    }

    private static Path rootOwned(Path dir, String name) throws Exception {
        Path d = Files.createDirectory(dir.resolve(name));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        return d;
    }

    @Test
    @NeedsRoot("to run real jobs as an unprivileged host user")
    void aWritableVolumeTheJobMayNotWriteIsRefusedBeforeTheJobStartsWithWhatToDo(@TempDir Path dir) throws Exception {
        Path data = rootOwned(dir, "data");
        Path marker = dir.resolve("ran");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> Joblet.builder().volume(new Volume(data, "/data", true))
                .volume(new Volume(dir, "/out", true)).command("sh", "-c", "touch /out/ran").start())
                .isInstanceOf(JobStartException.class)
                .hasMessageContaining("volume /data is writable but its source " + data + " is owned by uid 0 gid 0"
                        + " with mode 0755")
                .hasMessageMatching("(?s).*which the job's host uid [1-9][0-9]* gid [0-9]+ may not write.*")
                .hasMessageContaining("Volume.ownedByJob()")
                .hasMessageContaining("chmod 1777 " + data)
                .hasMessageContaining("read-only");
        assertThat(marker).doesNotExist();
        assertThat(attr(data, "uid")).isEqualTo(0);
        assertThat((Integer) attr(data, "mode") & 07777).isEqualTo(0755);
    }

    @Test
    @NeedsRoot("to run real jobs as an unprivileged host user")
    void aVolumeHandedToTheJobIsTheJobsAndWhatTheJobWritesThereIsTheJobsOnTheHost(@TempDir Path dir) throws Exception {
        Path data = rootOwned(dir, "data");
        try (Job job = Joblet.builder().volume(new Volume(data, "/data", false).ownedByJob())
                .command("sh", "-c", "echo hello > /data/f && id -u").start()) {
            assertThat(await(job).isSuccess()).as(job.stderr().text()).isTrue();
            int uid = job.hostUid();
            assertThat(uid).isNotZero();
            assertThat(Files.readString(data.resolve("f"))).isEqualTo("hello\n");
            assertThat(attr(data.resolve("f"), "uid")).isEqualTo(uid);
            assertThat(attr(data, "uid")).isEqualTo(uid);
            assertThat(attr(data.resolve("f"), "gid")).isEqualTo(attr(data, "gid"));
            assertThat((Integer) attr(data, "mode") & 07777).as("the mode is left as it was").isEqualTo(0755);
        }
    }

    @Test
    @NeedsRoot("to run real jobs as an unprivileged host user")
    void aSourceReachedThroughALinkIsNeverHandedOver(@TempDir Path dir) throws Exception {
        Path real = rootOwned(dir, "real");
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        assertThatThrownBy(() -> Joblet.builder().volume(new Volume(link, "/data", true).ownedByJob())
                .command("true").start())
                .isInstanceOf(JobStartException.class).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> Joblet.builder().volume(new Volume(link.resolve("."), "/data", true).ownedByJob())
                .command("true").start())
                .isInstanceOf(JobStartException.class).hasMessageContaining("symbolic link");
        assertThat(attr(real, "uid")).isEqualTo(0);
    }

    @Test
    @NeedsRoot("to run real jobs as an unprivileged host user")
    void aReadOnlyVolumeAndAVolumeWritableForEveryoneStartAsBefore(@TempDir Path dir) throws Exception {
        Path ro = rootOwned(dir, "ro");
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(open, "unix:mode", 01777);
        try (Job job = Joblet.builder().volume(ro, "/ro").volume(new Volume(open, "/open", true))
                .command("sh", "-c", "touch /open/f").start()) {
            assertThat(await(job).isSuccess()).as(job.stderr().text()).isTrue();
            assertThat(attr(open.resolve("f"), "uid")).isEqualTo(job.hostUid());
        }
        assertThat(attr(open, "uid")).isEqualTo(0);
    }

    @Test
    void onlyAWritableSourceBelowATopLevelDirectoryIsHandedOver() {
        assertThat(new Volume(Path.of("/srv/data"), "/data", false).ownedByJob())
                .isEqualTo(new Volume(Path.of("/srv/data"), "/data", true, true));
        for (String top : new String[] {"/", "/srv", "/home/..", "/etc/."}) {
            assertThatThrownBy(() -> new Volume(Path.of(top), "/data", true).ownedByJob())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("volume source (" + top + ") handed to a job must be below a top-level directory");
        }
        assertThatThrownBy(() -> new Volume(Path.of("/srv/data"), "/data", false, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("volume source (/srv/data) is handed to the job: it must be writable");
    }

    @Test
    void writeAccessFollowsTheKernelsOwnerGroupOtherRule() {
        int dir = 0040000, file = 0100000;
        assertThat(VolumeAccess.writable(dir | 0755, 0, 0, 1000, 1000)).isFalse();
        assertThat(VolumeAccess.writable(dir | 0777, 0, 0, 1000, 1000)).isTrue();
        assertThat(VolumeAccess.writable(dir | 01777, 0, 0, 1000, 1000)).isTrue();
        assertThat(VolumeAccess.writable(dir | 0700, 1000, 0, 1000, 1000)).isTrue();
        assertThat(VolumeAccess.writable(dir | 0077, 1000, 1000, 1000, 1000)).as("the owner class alone applies").isFalse();
        assertThat(VolumeAccess.writable(dir | 0770, 0, 1000, 1000, 1000)).isTrue();
        assertThat(VolumeAccess.writable(dir | 0707, 0, 1000, 1000, 1000)).as("the group class alone applies").isFalse();
        assertThat(VolumeAccess.writable(dir | 0766, 0, 0, 1000, 1000)).as("a directory needs search too").isFalse();
        assertThat(VolumeAccess.writable(file | 0666, 0, 0, 1000, 1000)).isTrue();
        assertThat(VolumeAccess.writable(file | 0644, 0, 0, 1000, 1000)).isFalse();
    }
}
