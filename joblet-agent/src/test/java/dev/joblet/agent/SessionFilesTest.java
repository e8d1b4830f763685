package dev.joblet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.Job;
import dev.joblet.Joblet;
import dev.joblet.MemorySize;
import dev.joblet.ReservedIdentity;
import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session's files: list with types and sizes, read, write, remove, make directory; sizes bounded; and the
 * host never leaves /work, not even while a job plants links and swaps directories under it.
 */
@NeedsRoot("for namespaces and cgroups")
class SessionFilesTest {
    @TempDir
    Path root;

    @Test
    void listReadWriteRemoveAndMakeDirectory() throws Exception {
        try (SandboxSession s = Sandbox.builder().sessionRoot(root).build().openSession()) {
            s.write("a.txt", "hello");
            s.makeDirectory("data/deep");
            s.makeDirectory("data/deep"); // exists already: fine
            s.run(Language.BASH, "ln -s a.txt /work/link; printf 12345678 > /work/data/deep/n");
            List<FileEntry> top = s.list("");
            assertThat(top).extracting(FileEntry::toString).contains("file a.txt 5", "link link 5");
            assertThat(top).filteredOn(e -> e.name().equals("data")).singleElement()
                    .extracting(FileEntry::type).isEqualTo(FileEntry.Type.DIRECTORY);
            assertThat(s.list("/work/data/deep")).containsExactly(new FileEntry("n", FileEntry.Type.FILE, 8));
            assertThat(s.readText("data/deep/n")).isEqualTo("12345678");
            assertThatThrownBy(() -> s.list("a.txt")).hasMessage("/work/a.txt is not a directory");
            assertThatThrownBy(() -> s.write("data", "x")).hasMessage("/work/data is a directory");
            // the job sees what the host made, as the job's user
            ExecutionResult seen = s.run(Language.BASH, "cat /work/a.txt; echo; echo more >> /work/data/deep/n && echo ok");
            assertThat(seen.stdout()).as(seen.toToolText()).isEqualTo("hello\nok\n");
            assertThat(s.remove("link")).isTrue();
            assertThat(s.exists("a.txt")).isTrue(); // removing the link left its target
            assertThat(s.remove("data")).isTrue();
            assertThat(s.remove("data")).isFalse();
            assertThat(s.list("/work")).extracting(FileEntry::name).containsExactly("a.txt");
        }
    }

    @Test
    void readsAndWritesLargerThanTheLimitAreRefusedNamingPathAndSize() throws Exception {
        Sandbox small = Sandbox.builder().sessionRoot(root).fileLimit(MemorySize.ofKilobytes(4)).build();
        assertThat(small.fileLimit()).isEqualTo(MemorySize.ofKilobytes(4));
        try (SandboxSession s = small.openSession()) {
            s.write("ok", new byte[4096]);
            assertThatThrownBy(() -> s.write("big", new byte[4097])).isInstanceOf(IOException.class)
                    .hasMessage("put: /work/big has 4097 bytes, more than the session's file limit (4096 bytes)");
            assertThat(s.exists("big")).isFalse();
            s.run(Language.BASH, "head -c 5000 /dev/zero > /work/made");
            assertThatThrownBy(() -> s.read("made")).isInstanceOf(IOException.class)
                    .hasMessage("get: /work/made has 5000 bytes, more than the session's file limit (4096 bytes)");
            assertThat(s.read("ok")).hasSize(4096);
        }
        assertThatThrownBy(() -> Sandbox.builder().fileLimit(MemorySize.ofBytes(0)))
                .hasMessage("fileLimit (0 bytes) must be between 1 byte and 1 GiB");
    }

    /**
     * A job runs while the host works on /work, turning /work/d again and again from a real directory into a
     * link to a host directory and back. Whatever the interleaving, the host reads only /work's file, writes
     * and makes directories only in /work, and lists only /work's entries: the outside stays as it was.
     */
    @Test
    void aJobThatPlantsLinksAndSwapsDirectoriesCannotLeadTheHostOutside() throws Exception {
        Path outside = Files.createTempDirectory("joblet-outside");
        Files.writeString(outside.resolve("f"), "outside");
        Files.writeString(outside.resolve("secret-marker"), "host secret");
        try (ReservedIdentity id = Joblet.system().reserveIdentity()) {
            SessionDirectory dir = SessionDirectory.create(root, id.uid(), id.gid(), 1 << 20);
            String swapper = "import os, shutil\nos.chdir('/work')\nos.mkdir('real')\nopen('real/f','w').write('inside')\n"
                    + "open('started','w').write('1')\n"
                    + "while True:\n"
                    + "    try:\n"
                    + "        os.rename('real', 'd')\n"
                    + "        os.rename('d', 'real')\n"
                    + "        os.symlink('" + outside + "', 'd')\n"
                    + "        os.unlink('d')\n"
                    + "    except OSError:\n" // the host made d (a parent of what it wrote) meanwhile
                    + "        if os.path.islink('d'): os.unlink('d')\n"
                    + "        elif os.path.isdir('d'): shutil.rmtree('d', ignore_errors=True)\n"
                    + "        if not os.path.isdir('real'):\n"
                    + "            os.mkdir('real'); open('real/f','w').write('inside')\n";
            try (Job job = Joblet.builder().command("python3", "-c", swapper).volume(dir.volume()).user(id.uid(), id.gid())
                    .pidsMax(16).start()) {
                SandboxSessionTest.waitUntil(() -> dir.exists("t", "started"));
                int readInside = 0, wrote = 0, listed = 0;
                for (int i = 0; i < 3000; i++) {
                    try {
                        assertThat(new String(dir.get("t", "d/f"), StandardCharsets.UTF_8)).isEqualTo("inside");
                        readInside++;
                    } catch (IOException e) {
                        assertThat(e.getMessage()).doesNotContain("outside");
                    }
                    try {
                        dir.put("t", "d/x" + (i % 10), new byte[] {1});
                        wrote++;
                    } catch (IOException e) {
                        // refused: a link on the way, or d moved away meanwhile
                    }
                    try {
                        dir.makeDirectory("t", "d/sub");
                    } catch (IOException e) {
                        // likewise
                    }
                    try {
                        assertThat(dir.list("t", "d")).extracting(FileEntry::name).doesNotContain("secret-marker");
                        listed++;
                    } catch (IOException e) {
                        // likewise
                    }
                    try {
                        dir.remove("t", "d/f-none");
                        dir.remove("t", "d/sub");
                    } catch (IOException e) {
                        // likewise
                    }
                }
                assertThat(job.isAlive()).as("the swapping job ran all along").isTrue();
                // The race was real: some operations got through to the real directory.
                assertThat(readInside + wrote + listed).isPositive();
            } finally {
                dir.delete();
            }
            try (var entries = Files.list(outside)) {
                assertThat(entries.map(p -> p.getFileName().toString()).sorted()).containsExactly("f", "secret-marker");
            }
            assertThat(outside.resolve("f")).hasContent("outside");
        } finally {
            try (var entries = Files.list(outside)) {
                for (Path p : entries.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(outside);
        }
    }
}
