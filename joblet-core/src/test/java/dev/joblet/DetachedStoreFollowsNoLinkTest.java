package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state directory of detached jobs is read and cleaned by every rnx: a link planted in it (a job directory that
 * is a link, a job file that is a link, a subdirectory) must never make it read, write or delete what the link
 * points at. Found by the outside tester: {@code rnx job delete} removed the files of a linked directory's target.
 */
class DetachedStoreFollowsNoLinkTest {
    @TempDir Path tmp;

    private DetachedStore store() {
        return new DetachedStore(tmp.resolve("jobs"));
    }

    @Test
    void aJobDirectoryThatIsALinkIsNoJobAndIsNotDeletedThrough() throws IOException {
        DetachedStore store = store();
        Files.createDirectories(store.root());
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("keep"), "precious");
        Files.writeString(victim.resolve("job"), "command=x\n");
        JobId id = JobId.random();
        Files.createSymbolicLink(store.dir(id), victim);

        assertThat(store.ids()).as("a link is no job's directory").doesNotContain(id);
        assertThatThrownBy(() -> store.find(id.toString())).isInstanceOf(JobLookupException.class);
        assertThatThrownBy(() -> DetachedStore.removeDir(store.dir(id))).isInstanceOf(IOException.class)
                .hasMessageContaining("symbolic link");
        assertThat(victim.resolve("keep")).hasContent("precious");
        assertThat(victim.resolve("job")).exists();
    }

    @Test
    void aJobFileThatIsALinkIsNeitherReadNorDeletedThrough() throws IOException {
        DetachedStore store = store();
        JobId id = JobId.random();
        Properties job = new Properties();
        job.setProperty("command", "true");
        Path dir = store.create(id, job);
        Path secret = Files.writeString(tmp.resolve("secret"), "status=SECRET\n", StandardCharsets.UTF_8);
        Files.createSymbolicLink(dir.resolve("status"), secret);

        assertThatThrownBy(() -> DetachedStore.read(dir, "status")).isInstanceOf(IOException.class);
        DetachedStore.writeAtomically(dir, "status", job);
        assertThat(secret).as("the rename replaced the link itself, not its target").hasContent("status=SECRET\n");
        assertThat(Files.isSymbolicLink(dir.resolve("status"))).isFalse();
        Files.delete(dir.resolve("status"));
        Files.createSymbolicLink(dir.resolve("status"), secret);
        DetachedStore.removeDir(dir);
        assertThat(dir).doesNotExist();
        assertThat(secret).as("removed as a link, not followed").exists();
    }

    @Test
    void aSubdirectoryInAJobDirectoryIsRefusedNamingItAndNothingIsDeleted() throws IOException {
        DetachedStore store = store();
        JobId id = JobId.random();
        Path dir = store.create(id, new Properties());
        Files.createDirectory(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub").resolve("f"), "x");

        assertThatThrownBy(() -> DetachedStore.removeDir(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("sub");
        assertThat(dir.resolve("job")).as("nothing deleted before the refusal").exists();
        assertThat(dir.resolve("sub").resolve("f")).exists();
    }
}
