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

    /** A route of the host for {@code cidr} (a private network's bridge), from /proc/net/route; empty when none is. */
    static List<String> routeLeftovers(String cidr) {
        int slash = cidr.indexOf('/');
        String[] q = cidr.substring(0, slash).split("\\.");
        long addr = 0;
        for (String part : q) {
            addr = (addr << 8) | Integer.parseInt(part);
        }
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        List<String> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 8 || f[0].equals("Iface")) {
                    continue;
                }
                // Destination and Mask are the address's bytes in host (little-endian) order, in hex
                if (Long.reverseBytes(Long.parseLong(f[1], 16) << 32) == addr && Long.reverseBytes(Long.parseLong(f[7], 16) << 32) == mask) {
                    found.add("the host still routes " + cidr + " to " + f[0]);
                }
            }
        } catch (IOException e) {
            found.add("cannot read /proc/net/route: " + e.getMessage());
        }
        return found;
    }
}
