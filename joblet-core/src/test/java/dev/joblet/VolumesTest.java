package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Managed volumes: the size is enforced by the filesystem, contents stay, nothing remains after remove. */
class VolumesTest {
    @TempDir
    Path tmp;

    private JobletConfig config() {
        return JobletConfig.builder().volumesRoot(tmp.resolve("volumes")).warmPoolSize(0).build();
    }

    @Test
    @NeedsRoot("to mount a loop-mounted ext4 image")
    void aFilesystemVolumeEnforcesItsSizeKeepsItsContentsAndLeavesNothingWhenRemoved() throws Exception {
        Path image;
        try (Joblet joblet = Joblet.create(config())) {
            Volumes volumes = joblet.volumes();
            VolumeInfo v = volumes.create("data", MemorySize.ofMegabytes(8), VolumeType.FILESYSTEM);
            image = volumes.root().resolve(".managed/data.img");
            assertThat(v.usedBytes()).isGreaterThanOrEqualTo(0);
            assertThat(loopDevicesOf(image)).hasSize(1);
            String out = run(joblet, volumes.mount("data"), "echo kept > /volumes/data/a; "
                    + "dd if=/dev/zero of=/volumes/data/big bs=1M count=20 2>&1; echo rc=$?; rm /volumes/data/big");
            assertThat(out).contains("No space left on device").contains("rc=1");
            // The host's disk holds at most the image's size, whatever the job wrote.
            long allocated = (Long) Files.getAttribute(image, "unix:size");
            assertThat(allocated).isEqualTo(MemorySize.ofMegabytes(8).bytes());
            assertThat(blocksOf(image) * 512L).isLessThanOrEqualTo(MemorySize.ofMegabytes(8).bytes());
            assertThat(run(joblet, volumes.mount("data"), "cat /volumes/data/a")).isEqualTo("kept\n");
        }
        try (Joblet joblet = Joblet.create(config())) { // another instance: the contents are there
            Volumes volumes = joblet.volumes();
            assertThat(run(joblet, Volume.named("data", volumes.root()), "cat /volumes/data/a")).isEqualTo("kept\n");
            // Unmounted (as after a reboot): the next use mounts it again, contents intact.
            VolumeMounts.umount(volumes.root().resolve("data"));
            assertThat(loopDevicesOf(image)).isEmpty();
            assertThat(volumes.list()).singleElement().satisfies(i -> assertThat(i.usedBytes()).isEqualTo(-1));
            assertThat(run(joblet, volumes.mount("data"), "cat /volumes/data/a")).isEqualTo("kept\n");

            try (Job job = joblet.start(Joblet.builder().volume(volumes.mount("data"))
                    .command("sh", "-c", "echo up; exec sleep 60").build())) {
                awaitLine(job);
                VolumeInfo i = volumes.list().get(0);
                assertThat(i.jobs()).containsExactly(job.id().toString());
                assertThat(i.usedBytes()).isPositive();
                assertThatThrownBy(() -> volumes.remove("data")).isInstanceOf(VolumeException.class)
                        .hasMessageContaining("volume data is in use by 1 job(s): " + job.id())
                        .satisfies(e -> assertThat(((VolumeException) e).reason()).isEqualTo(VolumeException.Reason.IN_USE));
                assertThat(volumes.list()).hasSize(1);
                job.stop(Duration.ZERO).get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            volumes.remove("data");
            assertThat(volumes.list()).isEmpty();
            assertThat(image).doesNotExist();
            assertThat(volumes.root().resolve("data")).doesNotExist();
            assertThat(loopDevicesOf(image)).isEmpty();
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(volumes.root().toString());
            assertThatThrownBy(() -> volumes.remove("data")).hasMessageContaining("volume data does not exist");
        }
    }

    @Test
    @NeedsRoot("to mount a tmpfs")
    void aMemoryVolumeEnforcesItsSizeAndKeepsItsContentsAcrossJobs() throws Exception {
        try (Joblet joblet = Joblet.create(config())) {
            Volumes volumes = joblet.volumes();
            volumes.create("scratch", MemorySize.ofMegabytes(2), VolumeType.MEMORY);
            String out = run(joblet, volumes.mount("scratch", "/s"), "echo kept > /s/a; "
                    + "head -c 3000000 /dev/zero > /s/big; echo rc=$?; rm /s/big");
            assertThat(out).contains("No space left on device").contains("rc=1");
            assertThat(run(joblet, volumes.mount("scratch", "/s"), "cat /s/a")).isEqualTo("kept\n");
            assertThat(volumes.list()).singleElement().satisfies(i -> {
                assertThat(i.type()).isEqualTo(VolumeType.MEMORY);
                assertThat(i.size()).isEqualTo(MemorySize.ofMegabytes(2));
            });
            volumes.remove("scratch");
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(volumes.root().toString());
            assertThat(volumes.root().resolve("scratch")).doesNotExist();
        }
    }

    @Test
    @NeedsRoot("to create volumes")
    void badInputIsNamedAndLeavesNothing() throws Exception {
        try (Joblet joblet = Joblet.create(config())) {
            Volumes volumes = joblet.volumes();
            assertThatThrownBy(() -> volumes.create("../x", MemorySize.ofMegabytes(8), VolumeType.FILESYSTEM))
                    .hasMessageContaining("volume name (../x)");
            assertThatThrownBy(() -> volumes.create("a", MemorySize.ofMegabytes(1), VolumeType.FILESYSTEM))
                    .hasMessageContaining("volume size (1 MiB)");
            assertThatThrownBy(() -> volumes.create("a", MemorySize.ofGigabytes(1L << 20), VolumeType.FILESYSTEM))
                    .hasMessageContaining("volume size (").hasMessageContaining("free space");
            assertThatThrownBy(() -> volumes.create("a", MemorySize.ofGigabytes(1L << 20), VolumeType.MEMORY))
                    .hasMessageContaining("volume size (").hasMessageContaining("memory");
            assertThatThrownBy(() -> VolumeType.parse("disk")).hasMessageContaining("volume type (disk)");
            assertThatThrownBy(() -> volumes.mount("nope")).isInstanceOf(VolumeException.class)
                    .hasMessageContaining("volume nope does not exist");
            Files.createDirectories(volumes.root().resolve("plain"));
            assertThatThrownBy(() -> volumes.create("plain", MemorySize.ofMegabytes(8), VolumeType.MEMORY))
                    .hasMessageContaining("volume name (plain) is taken by the directory");
            volumes.create("twice", MemorySize.ofMegabytes(8), VolumeType.MEMORY);
            assertThatThrownBy(() -> volumes.create("twice", MemorySize.ofMegabytes(8), VolumeType.MEMORY))
                    .hasMessageContaining("volume twice exists already");
            volumes.remove("twice");
            assertThat(volumes.list()).isEmpty();
            assertThat(names(volumes.root())).containsExactlyInAnyOrder(".managed", "plain");
            assertThat(names(volumes.root().resolve(".managed"))).containsExactly("lock");
            assertThat(volumes.mountOrCreate("made", MemorySize.ofMegabytes(8), VolumeType.MEMORY).source())
                    .isEqualTo(volumes.root().toRealPath().resolve("made"));
            volumes.remove("made");
        }
    }

    private static String run(Joblet joblet, Volume v, String script) throws Exception {
        try (Job job = joblet.start(Joblet.builder().volume(v).command("sh", "-c", script).build())) {
            JobResult r = job.await(Duration.ofSeconds(60)).orElseThrow();
            assertThat(r.isSuccess()).as(job.stderr().text()).isTrue();
            return job.stdout().text() + job.stderr().text();
        }
    }

    private static void awaitLine(Job job) throws InterruptedException {
        for (int i = 0; i < 500 && !job.stdout().text().contains("up"); i++) {
            Thread.sleep(20);
        }
        assertThat(job.stdout().text()).contains("up");
    }

    /** The loop devices whose backing file is {@code image}. */
    static List<String> loopDevicesOf(Path image) throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path p : ds) {
                Path f = p.resolve("loop/backing_file");
                if (Files.exists(f) && Files.readString(f).trim().startsWith(image.toString())) {
                    out.add(p.getFileName().toString());
                }
            }
        }
        return out;
    }

    private static long blocksOf(Path p) throws Exception {
        Process pr = new ProcessBuilder("stat", "-c", "%b", p.toString()).start();
        String s = new String(pr.getInputStream().readAllBytes()).trim();
        pr.waitFor();
        return Long.parseLong(s);
    }

    private static List<String> names(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out;
    }
}
