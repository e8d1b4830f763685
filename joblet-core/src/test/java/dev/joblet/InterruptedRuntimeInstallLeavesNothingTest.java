package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime build builds in a {@code .build-*} directory that an interrupt or a failure deletes before
 * {@code install} returns, and that a killed process's leftovers are swept by the next install and never taken for an
 * installed runtime: "installed" is only ever the atomic rename of a complete build. "building" is announced only when
 * something is built.
 */
class InterruptedRuntimeInstallLeavesNothingTest {
    private static final String NAME = "python-3.11";

    @TempDir
    Path root;

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted()
                    .collect(Collectors.toList());
        }
    }

    /** A build step that fills the tree like a real one (8 MiB), says so, then waits like mmdebstrap. */
    private static RuntimeInstaller.BuildStep slowStep(CountDownLatch filling) {
        return (recipe, build, progress) -> {
            Files.createDirectories(build.resolve("rootfs/usr/bin"));
            Files.write(build.resolve("rootfs/usr/big"), new byte[8 << 20]);
            filling.countDown();
            Thread.sleep(60_000);
            return "bookworm";
        };
    }

    private static RuntimeInstaller.BuildStep quickStep() {
        return (recipe, build, progress) -> {
            Files.createDirectories(build.resolve("rootfs/usr/bin"));
            progress.accept("built");
            return "bookworm";
        };
    }

    private Throwable installInterrupted(RuntimeInstaller installer, CountDownLatch filling, AtomicInteger building)
            throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                installer.install(NAME, false, building::incrementAndGet, line -> { });
            } catch (Exception e) {
                thrown.set(e);
            }
        });
        t.start();
        assertThat(filling.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(entries()).anyMatch(n -> n.startsWith(".build-" + NAME + "-")); // it builds in a temp dir
        t.interrupt();
        t.join(30_000);
        assertThat(t.isAlive()).isFalse();
        return thrown.get();
    }

    @Test
    void anInterruptedBuildDeletesItsDirectoryAndInstallsNothing() throws Exception {
        CountDownLatch filling = new CountDownLatch(1);
        AtomicInteger building = new AtomicInteger();
        RuntimeInstaller installer = RuntimeInstaller.into(Runtimes.at(root)).withBuildStep(slowStep(filling));
        assertThat(installInterrupted(installer, filling, building)).isInstanceOf(InterruptedException.class);
        assertThat(building).hasValue(1);
        assertThat(entries()).as("nothing of the build remains").isEmpty();
        assertThat(Runtimes.at(root).names()).isEmpty();
        assertThat(Runtimes.at(root).validate(NAME)).containsExactly("runtime " + NAME + " is not installed under " + root);
    }

    @Test
    void leftoversOfAKilledBuildAreSweptAndNeverTakenForInstalled() throws Exception {
        // What a SIGKILLed install leaves: a complete-looking tree in .build-*, a runtime moved aside in .old-*.
        Path left = Files.createDirectories(root.resolve(".build-" + NAME + "-deadbeef/rootfs/usr"));
        Files.writeString(left.getParent().getParent().resolve(RuntimeManifest.FILE_NAME),
                RuntimeManifest.of(NAME, "v", "d", java.util.Map.of(), List.of()).format());
        Files.createDirectories(root.resolve(".old-" + NAME + "-cafebabe/rootfs/usr"));
        assertThat(Runtimes.at(root).names()).as("leftovers are not installed runtimes").isEmpty();

        AtomicInteger building = new AtomicInteger();
        RuntimeInstaller installer = RuntimeInstaller.into(Runtimes.at(root)).withBuildStep(quickStep());
        RuntimeInstaller.Result r = installer.install(NAME, false, building::incrementAndGet, line -> { });
        assertThat(r.built()).as("a leftover is not 'already installed'").isTrue();
        assertThat(building).hasValue(1);
        assertThat(entries()).containsExactly(NAME);
        assertThat(Runtimes.at(root).validate(NAME)).isEmpty();

        // Installed now: nothing is built, and nothing says "building".
        RuntimeInstaller.Result again = installer.install(NAME, false, building::incrementAndGet, line -> { });
        assertThat(again.built()).isFalse();
        assertThat(building).as("no 'building' when nothing is built").hasValue(1);
    }

    @Test
    void aFailedBuildDeletesItsDirectory() throws Exception {
        RuntimeInstaller installer = RuntimeInstaller.into(Runtimes.at(root)).withBuildStep((recipe, build, progress) -> {
            Files.createDirectories(build.resolve("rootfs/usr"));
            throw new IOException("mmdebstrap failed (EXITED 1)");
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> installer.install(NAME, false, line -> { }))
                .hasMessageContaining("mmdebstrap failed");
        assertThat(entries()).isEmpty();
    }

    @Test
    @NeedsRoot("for namespaces and cgroups")
    void anInterruptedBuildStopsItsJobAndDeletesWhatTheJobWrote() throws Exception {
        CountDownLatch filling = new CountDownLatch(1);
        AtomicReference<Integer> pid = new AtomicReference<>();
        RuntimeInstaller installer = RuntimeInstaller.into(Runtimes.at(root)).withBuildStep((recipe, build, progress) -> {
            Files.setPosixFilePermissions(build, PosixFilePermissions.fromString("rwxrwxrwx"));
            try (Job job = Joblet.builder().volume(new Volume(build, "/build", true))
                    .command("sh", "-c", "mkdir -p /build/rootfs/usr && head -c 4000000 /dev/zero > /build/rootfs/usr/big"
                            + " && touch /build/ready && exec sleep 60").start()) {
                pid.set(job.pid());
                while (!Files.exists(build.resolve("ready"))) {
                    Thread.sleep(10);
                }
                filling.countDown();
                job.await();
            }
            return "bookworm";
        });
        assertThat(installInterrupted(installer, filling, new AtomicInteger())).isInstanceOf(InterruptedException.class);
        assertThat(entries()).isEmpty();
        assertThat(Files.exists(Path.of("/proc/" + pid.get()))).as("the build's job is gone").isFalse();
    }
}
