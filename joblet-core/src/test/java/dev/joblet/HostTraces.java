package dev.joblet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What jobs could leave on the host or in this JVM, counted the same way by every leak and fault test: fds of the
 * kinds a job opens, threads, child processes, cgroups, mounts, network namespaces, temporary files.
 */
public final class HostTraces {
    private HostTraces() {}

    /** Pipes, pidfds, epoll fds, memfds, /dev/null: the kinds a job opens (the JVM opens jars by itself meanwhile). */
    public static long jobKindFds() throws IOException {
        return fdTargets().stream().filter(t -> t.startsWith("pipe:") || t.startsWith("anon_inode:")
                || t.startsWith("/memfd:") || t.equals("/dev/null")).count();
    }

    /** Network namespaces this JVM holds by a descriptor (the cold starts' namespaces made ahead, private networks). */
    public static long netnsFds() throws IOException {
        return fdTargets().stream().filter(t -> t.startsWith("net:[")).count();
    }

    /** Open fds of this JVM on files with no name in {@code dir} (/proc shows them as "dir/#inode (deleted)"). */
    public static List<String> unnamedFilesIn(Path dir) throws IOException {
        return fdTargets().stream().filter(t -> t.startsWith(dir + "/") && t.endsWith(" (deleted)"))
                .collect(Collectors.toList());
    }

    private static List<String> fdTargets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return ""; // closed while we looked
                }
            }).collect(Collectors.toList());
        }
    }

    /** The library's own threads ({@code joblet-*}): fixed-size pools, started lazily. */
    public static long libraryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("joblet-")).count();
    }

    public static long otherThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().startsWith("joblet-")).count();
    }

    /**
     * Drains what {@link Joblet#system()} holds ready (warm supervisors, network namespaces), left by the jobs other
     * test classes started there: children and fds of the JVM that are no concern of a test counting its own.
     */
    public static void drainSystemPools() {
        Joblet.system().drainPools();
    }

    public static List<Long> children() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).sorted().collect(Collectors.toList());
    }

    /**
     * The job cgroups of the JVM with this pid, in every hierarchy: the directories below its owner directories
     * ({@code jvm-<pid>-<start>-<pidns>}, see {@code CgroupDriver}), which hold one cgroup per job or prepared
     * supervisor.
     */
    public static List<Path> jobCgroupsOf(long jvmPid) {
        return cgroupDirs(dir -> dir.getParent() != null && dir.getParent().getFileName() != null
                && dir.getParent().getFileName().toString().startsWith("jvm-" + jvmPid + "-"));
    }

    /** The owner directories of the JVM with this pid, in every hierarchy. */
    public static List<Path> ownerCgroupsOf(long jvmPid) {
        return cgroupDirs(dir -> dir.getFileName() != null && dir.getFileName().toString().startsWith("jvm-" + jvmPid + "-"));
    }

    /** Directories named like these job ids anywhere in cgroupfs. */
    public static List<Path> cgroupsNamed(Set<String> names) {
        return cgroupDirs(dir -> dir.getFileName() != null && names.contains(dir.getFileName().toString()));
    }

    private static List<Path> cgroupDirs(java.util.function.Predicate<Path> match) {
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(Path.of("/sys/fs/cgroup"), Set.of(), 9, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
                    if (match.test(dir)) {
                        found.add(dir);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // removed while we walked
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** The processes in these cgroups (their {@code cgroup.procs}); a cgroup removed meanwhile holds none. */
    public static Set<Long> processesIn(List<Path> cgroups) {
        Set<Long> pids = new HashSet<>();
        for (Path cg : cgroups) {
            try {
                for (String l : Files.readAllLines(cg.resolve("cgroup.procs"))) {
                    if (!l.isBlank()) {
                        pids.add(Long.parseLong(l.strip()));
                    }
                }
            } catch (IOException e) {
                // gone
            }
        }
        return pids;
    }

    /**
     * Lines of the host's mount table (this JVM's namespace) that jobs of the JVM with this pid could leave: the
     * staging directory's, and any named by that JVM ({@code jvm-<pid>-}). Other JVMs on the host are left out.
     */
    public static List<String> jobletMounts(long jvmPid) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains("/run/joblet/root") || l.contains("jvm-" + jvmPid + "-"))
                .map(l -> l.substring(l.indexOf(' ', l.indexOf(' ') + 1) + 1)) // without the mount ids
                .sorted().collect(Collectors.toList());
    }

    /** Entries under /run/joblet (workspaces, layers, network state) named by the JVM with this pid. */
    public static List<String> jobletFiles(long jvmPid) throws IOException {
        Path run = Path.of("/run/joblet");
        if (!Files.isDirectory(run)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(run, 3)) {
            return s.map(Path::toString).filter(n -> n.contains("jvm-" + jvmPid + "-") || n.contains("_" + jvmPid + "_"))
                    .sorted().collect(Collectors.toList());
        } catch (UncheckedIOException e) {
            return jobletFiles(jvmPid); // changed while we walked
        }
    }

    /** Everything above at one moment, for this JVM. */
    public record Footprint(long jobKindFds, long netnsFds, long otherThreads, List<Long> children, List<Path> cgroups,
            List<String> mounts, List<String> files) {
        public static Footprint now() throws IOException {
            long pid = ProcessHandle.current().pid();
            return new Footprint(HostTraces.jobKindFds(), HostTraces.netnsFds(), HostTraces.otherThreads(),
                    HostTraces.children(), jobCgroupsOf(pid),
                    jobletMounts(pid), jobletFiles(pid));
        }
    }
}
