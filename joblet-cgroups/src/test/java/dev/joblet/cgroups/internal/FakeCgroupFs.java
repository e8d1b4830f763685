package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A cgroupfs over a temporary directory: mkdir creates the interface files a template names, rmdir refuses a
 * cgroup with processes or children, cgroup.procs writes move a pid within its hierarchy, cgroup.kill empties the
 * cgroup, subtree_control obeys the "no internal processes" rule. Records every write.
 */
final class FakeCgroupFs implements CgroupFs {
    private final NioCgroupFs real = NioCgroupFs.INSTANCE;
    private final List<Path> hierarchyRoots;
    private final Function<Path, Map<String, String>> template;
    final List<String> writes = Collections.synchronizedList(new ArrayList<>());
    /** Calls of {@link #exists} and {@link #subdirectories} (the lookups the fast paths avoid). */
    final AtomicInteger existsCalls = new AtomicInteger();
    final AtomicInteger listings = new AtomicInteger();

    /**
     * @param hierarchyRoots the mount points (a pid lives in one cgroup per root)
     * @param template the files (name to content) of a new cgroup directory
     */
    FakeCgroupFs(List<Path> hierarchyRoots, Function<Path, Map<String, String>> template) {
        this.hierarchyRoots = List.copyOf(hierarchyRoots);
        this.template = template;
    }

    /** The files of a v2 cgroup with every joblet controller. */
    static Map<String, String> v2Files() {
        Map<String, String> f = new LinkedHashMap<>();
        for (String name : List.of("cgroup.procs", "cgroup.subtree_control", "cgroup.kill", "cgroup.freeze",
                "cpu.max", "cpu.weight", "cpu.stat", "cpuset.cpus", "cpuset.mems", "memory.max", "memory.high",
                "memory.swap.max", "memory.oom.group", "memory.current", "memory.peak", "memory.events",
                "pids.max", "pids.current", "pids.peak", "pids.events", "io.max", "io.stat")) {
            f.put(name, "");
        }
        f.put("cgroup.events", "populated 0\nfrozen 0\n");
        return f;
    }

    /** Mkdir in the real filesystem with the template's files (the setup of a fake tree). */
    void mkdirs(Path dir) {
        try {
            Path root = rootOf(dir);
            Path p = root;
            for (Path part : root.relativize(dir)) {
                p = p.resolve(part);
                if (!Files.exists(p)) {
                    mkdir(p);
                }
            }
        } catch (CgroupException e) {
            throw new IllegalStateException(e);
        }
    }

    void put(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String get(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String read(Path file) throws CgroupException {
        return real.read(file);
    }

    @Override
    public String readIfExists(Path file) throws CgroupException {
        return real.readIfExists(file);
    }

    @Override
    public synchronized void write(Path file, String value) throws CgroupException {
        if (!Files.isRegularFile(file)) {
            throw new CgroupException("write " + file + ": No such file or directory");
        }
        writes.add(rootOf(file).relativize(file) + "=" + value);
        Path dir = file.getParent();
        switch (file.getFileName().toString()) {
            case "cgroup.procs":
                movePid(dir, value.strip());
                return;
            case "cgroup.kill":
                clearTree(dir);
                return;
            case "cgroup.subtree_control":
                if (!dir.equals(rootOf(dir)) && !get(file.resolveSibling("cgroup.procs")).isBlank()) {
                    throw new CgroupException("write " + file + ": Device or resource busy");
                }
                String current = get(file).strip();
                put(file, (current + " " + value.strip().substring(1)).strip());
                return;
            default:
                put(file, value);
        }
    }

    private void movePid(Path target, String pid) {
        Path root = rootOf(target);
        try (Stream<Path> all = Files.walk(root)) {
            for (Path procs : all.filter(p -> p.getFileName().toString().equals("cgroup.procs")).collect(
                    Collectors.toList())) {
                put(procs, get(procs).lines().filter(l -> !l.strip().equals(pid))
                        .map(l -> l + "\n").collect(Collectors.joining()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path procs = target.resolve("cgroup.procs");
        put(procs, get(procs) + pid + "\n");
        setPopulated(target, true);
    }

    /** Removes {@code pid} from every cgroup.procs (the process died). */
    void exitPid(long pid) {
        for (Path root : hierarchyRoots) {
            try (Stream<Path> all = Files.walk(root)) {
                for (Path procs : all.filter(p -> p.getFileName().toString().equals("cgroup.procs")).collect(
                        Collectors.toList())) {
                    String left = get(procs).lines().filter(l -> !l.strip().equals(Long.toString(pid)))
                            .map(l -> l + "\n").collect(Collectors.joining());
                    put(procs, left);
                    if (left.isBlank()) {
                        setPopulated(procs.getParent(), false);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** cgroup.kill: every process of the tree dies, so it leaves every hierarchy. */
    private void clearTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path procs : all.filter(p -> p.getFileName().toString().equals("cgroup.procs")).collect(
                    Collectors.toList())) {
                for (long pid : Keyed.pids(get(procs))) {
                    exitPid(pid);
                }
                put(procs, "");
                setPopulated(procs.getParent(), false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void setPopulated(Path dir, boolean populated) {
        Path events = dir.resolve("cgroup.events");
        if (Files.exists(events)) {
            put(events, "populated " + (populated ? 1 : 0) + "\nfrozen 0\n");
        }
    }

    @Override
    public boolean exists(Path path) {
        existsCalls.incrementAndGet();
        return real.exists(path);
    }

    @Override
    public synchronized void mkdir(Path dir) throws CgroupException {
        real.mkdir(dir);
        for (Map.Entry<String, String> e : template.apply(dir).entrySet()) {
            put(dir.resolve(e.getKey()), e.getValue());
        }
        Path parentSubtree = dir.getParent().resolve("cgroup.subtree_control");
        if (Files.exists(parentSubtree) && Files.exists(dir.resolve("cgroup.subtree_control"))) {
            put(dir.resolve("cgroup.controllers"), get(parentSubtree));
        }
    }

    @Override
    public synchronized void rmdir(Path dir) throws CgroupException {
        if (!Files.isDirectory(dir)) {
            throw new CgroupException("rmdir " + dir + ": No such file or directory");
        }
        if (!real.subdirectories(dir).isEmpty()) {
            throw new CgroupException("rmdir " + dir + ": Directory not empty");
        }
        if (Files.exists(dir.resolve("cgroup.procs")) && !get(dir.resolve("cgroup.procs")).isBlank()) {
            throw new CgroupException("rmdir " + dir + ": Device or resource busy");
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.collect(Collectors.toList())) {
                Files.delete(f);
            }
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<Path> subdirectories(Path dir) throws CgroupException {
        listings.incrementAndGet();
        return real.subdirectories(dir);
    }

    private Path rootOf(Path p) {
        return hierarchyRoots.stream().filter(p::startsWith).max((a, b) -> a.getNameCount() - b.getNameCount())
                .orElseThrow(() -> new IllegalArgumentException(p + " is outside the fake hierarchies"));
    }
}
