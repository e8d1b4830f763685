package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link FreshNetns#create()} makes a new network namespace held by one fd and returns its thread to the namespace it
 * was in; closing the lease releases the fd. The primitive holds no state: the pool is its caller's (joblet-core).
 */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "unshare(CLONE_NEWNET): needs root")
class FreshNetnsCreateTest {

    private static String ns(Path link) throws Exception {
        return Files.readSymbolicLink(link).toString();
    }

    @Test
    void aNewNamespaceIsMadeAndTheThreadReturnsHomeAndCloseReleasesIt() throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            Future<String[]> made = one.submit(() -> {
                String home = ns(Path.of("/proc/thread-self/ns/net"));
                FreshNetns.Lease lease = FreshNetns.create();
                String after = ns(Path.of("/proc/thread-self/ns/net"));
                String fresh = ns(lease.path());
                lease.close();
                // Its fd is closed: the number names nothing, or a file another thread opened since.
                boolean gone;
                try {
                    gone = !ns(lease.path()).equals(fresh);
                } catch (java.io.IOException e) {
                    gone = true;
                }
                return new String[] {home, after, fresh, Boolean.toString(gone)};
            });
            String[] r = made.get(30, TimeUnit.SECONDS);
            assertThat(r[1]).as("the thread is back in its own namespace").isEqualTo(r[0]);
            assertThat(r[2]).as("the lease names a new namespace").startsWith("net:[").isNotEqualTo(r[0]);
            assertThat(r[3]).as("close() released its fd").isEqualTo("true");
        } finally {
            one.shutdownNow();
            assertThat(one.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
