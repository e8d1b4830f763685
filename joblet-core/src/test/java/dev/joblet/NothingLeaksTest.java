package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** After many jobs (finished, failed, stopped) nothing of them remains: fds, threads, children, cgroups. */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "needs root for namespaces and cgroups")
class NothingLeaksTest {

    /** Pipes, pidfds, epoll fds, memfds: the kinds a job opens (the JVM opens jars by itself meanwhile). */
    private static long jobKindFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(fd -> {
                try {
                    String t = Files.readSymbolicLink(fd).toString();
                    return t.startsWith("pipe:") || t.startsWith("anon_inode:") || t.startsWith("/memfd:") || t.equals("/dev/null");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    private static long libraryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("joblet-")).count();
    }

    private static long otherThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().startsWith("joblet-")).count();
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    /** Directories named like our jobs anywhere in cgroupfs (other processes' cgroups may come and go meanwhile). */
    private static Set<String> cgroupDirsNamed(Set<String> names) throws IOException {
        Set<String> found = new HashSet<>();
        Files.walkFileTree(Path.of("/sys/fs/cgroup"), Set.of(), 8, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(Path dir, java.nio.file.attribute.BasicFileAttributes a) {
                if (names.contains(dir.getFileName() == null ? "" : dir.getFileName().toString())) {
                    found.add(dir.toString());
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE; // removed while we walked
            }
        });
        return found;
    }

    private static List<String> poolCgroups() throws IOException {
        List<String> found = new java.util.ArrayList<>();
        Files.walkFileTree(Path.of("/sys/fs/cgroup"), Set.of(), 9, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(Path dir, java.nio.file.attribute.BasicFileAttributes a) {
                // A pool's cgroups are named by the ids of the jobs they are for: any job cgroup of this JVM's.
                if (dir.getParent() != null && dir.getParent().getFileName() != null
                        && dir.getParent().getFileName().toString().startsWith("jvm-" + ProcessHandle.current().pid() + "-")) {
                    found.add(dir.toString());
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return found;
    }

    @Test
    void fiveHundredJobsLeaveNothingBehind() throws Exception {
        // warm up: the I/O and events threads and the helper image are created once per JVM
        try (Job warm = Joblet.builder().command("true").start()) {
            warm.await();
        }
        WarmPool.drain(); // the warm pool's supervisors are counted below, after it is drained again
        long fds = jobKindFds();
        long threads = otherThreads();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            JobSpec.Builder b = Joblet.builder().command("sh", "-c", "echo $$");
            if (i % 50 == 1) {
                b.command("sleep", "30"); // stopped below
            }
            if (i % 50 == 2) {
                b.command("nosuchcmd"); // fails to start
            }
            try (Job job = b.start()) {
                ids.add(job.id());
                if (i % 50 == 1) {
                    assertThat(job.stop(Duration.ZERO).get().reason()).isEqualTo(EndReason.STOPPED);
                } else {
                    assertThat(job.await().isSuccess()).isTrue();
                    assertThat(job.stdout().text()).isEqualTo("1\n");
                }
            } catch (JobStartException e) {
                assertThat(e.isCommandNotFound()).isTrue();
            }
        }
        WarmPool.drain();
        assertThat(jobKindFds()).isEqualTo(fds);
        // The library's own threads are fixed-size pools started lazily (I/O, events, log delivery): bounded,
        // whatever the number of jobs. Every other thread count is back where it was.
        assertThat(otherThreads()).isEqualTo(threads);
        assertThat(libraryThreads()).as("joblet-* threads after 500 jobs").isLessThanOrEqualTo(8);
        assertThat(ProcessHandle.current().children().collect(Collectors.toList())).isEmpty();
        assertThat(cgroupDirsNamed(ids)).isEmpty();
        assertThat(poolCgroups()).as("the drained warm pool's cgroups").isEmpty();
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        assertThat(mounts).noneMatch(l -> l.contains("/run/joblet/root "));
    }
}
