package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rnx (root) copies only what the operator named: a link a job planted in a directory that is uploaded later is
 * copied as a link, never followed; a link above the source is refused; a rename race while a tree is copied never
 * makes the copy reach outside it. The secrets here are root-only files (an upload is given to the job's user, so a
 * followed link would hand them over).
 */
@NeedsRoot("to copy as root into a job's workspace")
class UploadsNeverFollowPlantedLinksTest {
    private static final int RACE_ROUNDS = 200;

    private static JobResult await(Job job) throws InterruptedException {
        return job.await(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("job did not end in 60 s"));
    }

    /** A root-only directory holding a root-only file with a token no job may ever see. */
    private static Path secretDir(Path dir, String token) throws Exception {
        Path s = Files.createDirectory(dir.resolve("secret"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path f = Files.writeString(s.resolve("token.txt"), token);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return s;
    }

    @Test
    void linksAJobPlantedInADirectoryUploadedLaterAreCopiedAsLinks(@TempDir Path dir) throws Exception {
        String token = "SECRET-" + UUID.randomUUID();
        Path secret = secretDir(dir, token);
        Path out = Files.createDirectory(dir.resolve("out"));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
        // The first job writes into a directory the operator uploads afterwards.
        try (Job plant = Joblet.builder().volume(new Volume(out, "/out", true))
                .command("bash", "-c", "cd /out && ln -s " + secret.resolve("token.txt") + " token && ln -s " + secret
                        + " dir && ln -s /etc/shadow shadow && ln -s /proc/self/environ env && ln -s ../../../.. up"
                        + " && mkdir sub && ln -s " + secret + " sub/deep && echo plain > plain.txt")
                .start()) {
            assertThat(await(plant).exitCode()).as(plant.stderr().text()).hasValue(0);
        }
        try (Job job = Joblet.builder().upload(Upload.directory(out, "in"))
                .env("JOBLET_HOST_MARKER", "host-env-" + token)
                .command("bash", "-c", "cd in; for l in token dir shadow env up sub/deep; do test -L $l && echo link $l"
                        + " $(readlink $l); done; cat plain.txt; cat token dir/token.txt sub/deep/token.txt 2>/dev/null;"
                        + " cat env | tr '\\0' '\\n' | grep -c JOBLET_HOST_MARKER; true")
                .start()) {
            assertThat(await(job).exitCode()).as(job.stderr().text()).hasValue(0);
            String text = job.stdout().text();
            assertThat(text).doesNotContain(token)
                    .contains("link token " + secret.resolve("token.txt"), "link dir " + secret, "link shadow /etc/shadow",
                            "link env /proc/self/environ", "link up ../../../..", "link sub/deep " + secret, "plain\n");
            Workspace ws = job.workspace().orElseThrow();
            assertThat(ws.list("in")).contains("token@", "dir@", "shadow@", "env@", "up@", "sub/", "plain.txt");
            assertThatThrownBy(() -> ws.read("in/dir/token.txt")).hasMessageContaining("symbolic link");
        }
    }

    @Test
    void aLinkNamedAsAFileUploadIsCopiedAsALinkAndALinkAboveASourceIsRefused(@TempDir Path dir) throws Exception {
        String token = "SECRET-" + UUID.randomUUID();
        Path secret = secretDir(dir, token);
        Path env = Files.createSymbolicLink(dir.resolve("env"), Path.of("/proc/self/environ"));
        Path tok = Files.createSymbolicLink(dir.resolve("tok"), secret.resolve("token.txt"));
        try (Job job = Joblet.builder().upload(Upload.file(env, "env")).upload(Upload.file(tok, "tok"))
                .command("bash", "-c", "readlink env tok; test -f env -a ! -L env && echo the-jvm-environment; cat tok 2>&1; true")
                .start()) {
            await(job);
            assertThat(job.stdout().text()).startsWith("/proc/self/environ\n" + secret.resolve("token.txt") + "\n")
                    .doesNotContain("the-jvm-environment").doesNotContain(token);
        }
        Path via = Files.createSymbolicLink(dir.resolve("via"), secret);
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.file(via.resolve("token.txt"), "t")).build())
                .hasMessageContaining("is reached through a symbolic link");
        assertThatThrownBy(() -> Joblet.builder().command("true").upload(Upload.directory(via, "t")).build())
                .hasMessageContaining("is a symbolic link");
    }

    @Test
    void aRenameRaceDuringACopyNeverReachesOutsideTheTree(@TempDir Path dir) throws Exception {
        String token = "SECRET-" + UUID.randomUUID();
        Path secret = secretDir(dir, token);
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Path sub = Files.createDirectory(tree.resolve("sub"));
        Files.writeString(sub.resolve("token.txt"), "harmless");
        Path parked = dir.resolve("parked"), link = Files.createSymbolicLink(dir.resolve("link"), secret);
        AtomicBoolean stop = new AtomicBoolean();
        // A job that can write into the tree swaps sub for a link to the secret and back, as fast as it can.
        Thread racer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Files.move(sub, parked, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(link, sub, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(sub, link, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(parked, sub, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "racer");
        racer.start();
        int copiedDir = 0, copiedLink = 0, refusedRounds = 0;
        try {
            for (int i = 0; i < RACE_ROUNDS; i++) {
                Workspace ws;
                try {
                    ws = Workspace.create(JobId.random(), MemorySize.ofMegabytes(1), 1024,
                            List.of(Upload.directory(tree, "in")), 65534, 65534);
                } catch (java.io.IOException refused) {
                    assertThat(refused.getMessage()).doesNotContain(token);
                    refusedRounds++;
                    continue;
                }
                try (ws) {
                    ws.jobEnded();
                    List<String> all = new ArrayList<>();
                    for (String e : ws.list("in")) {
                        all.add(e);
                        if (e.equals("sub/")) {
                            copiedDir++;
                            for (String f : ws.list("in/sub")) {
                                all.add("sub/" + f);
                                if (!f.endsWith("/") && !f.endsWith("@")) {
                                    assertThat(new String(ws.read("in/sub/" + f), StandardCharsets.UTF_8))
                                            .as("round %d", i).doesNotContain(token);
                                }
                            }
                        } else if (e.equals("sub@")) {
                            copiedLink++;
                        }
                    }
                    assertThat(all).as("round %d", i).allMatch(e -> e.equals("sub/") || e.equals("sub@")
                            || e.equals("sub/token.txt"));
                }
            }
        } finally {
            stop.set(true);
            racer.join();
        }
        // Both sides of the race were seen (the other rounds found sub parked, away): the test did race. The copy
        // never needs to refuse a round: a swapped entry is copied as what it is when it is opened.
        assertThat(refusedRounds).isZero();
        assertThat(copiedDir).isPositive();
        assertThat(copiedLink).isPositive();
    }

    @Test
    void anUploadReachesAJobThatIsRootInItsOwnUserNamespace(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("in.txt"), "uploaded");
        try (Job job = Joblet.builder().rootInUserNamespace().upload(Upload.file(dir.resolve("in.txt"), "in.txt"))
                .command("bash", "-c", "cat in.txt; echo; echo made > out.txt").start()) {
            assertThat(await(job).exitCode()).as(job.stderr().text()).hasValue(0);
            assertThat(job.stdout().text()).isEqualTo("uploaded\n");
            assertThat(job.workspace().orElseThrow().read("out.txt")).isEqualTo("made\n".getBytes(StandardCharsets.UTF_8));
        }
    }
}
