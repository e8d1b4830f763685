package dev.joblet.junit;

import dev.joblet.JobId;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** Looks for anything of an ended job on the host: its PID, processes in its cgroup, its cgroup directories. */
final class LeftoverCheck {
    private static final Path CGROUPFS = Path.of("/sys/fs/cgroup");

    private LeftoverCheck() {}

    /**
     * Whether pid lives in a PID namespace other than this JVM's, as the job's PID 1 does. A process of the JVM's
     * own namespace with that pid is another process that got the number again (pids are reused, quickly when
     * pid_max is small), not the job.
     */
    private static boolean inOtherPidNamespace(int pid) {
        try {
            return !Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid"))
                    .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")));
        } catch (IOException e) {
            return false; // gone meanwhile
        }
    }

    /** What is left of the job, in words; empty when nothing is. */
    static List<String> leftovers(JobId job, int pid) {
        String jobId = job.toString();
        List<String> found = new ArrayList<>();
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && inOtherPidNamespace(pid)) {
            found.add("its PID 1 (pid " + pid + ") still runs");
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    if (Files.readString(p.resolve("cgroup")).contains(jobId)) {
                        found.add("process " + p.getFileName() + " is still in its cgroup");
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended while we looked: not a leftover
                }
            });
        } catch (IOException e) {
            found.add("cannot list /proc: " + e.getMessage());
        }
        try {
            Files.walkFileTree(CGROUPFS, Set.of(), 10, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
                    if (dir.getFileName() != null && dir.getFileName().toString().equals(jobId)) {
                        found.add("its cgroup " + dir + " still exists");
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // removed while we walked
                }
            });
        } catch (IOException e) {
            found.add("cannot walk " + CGROUPFS + ": " + e.getMessage());
        }
        return found;
    }
}
