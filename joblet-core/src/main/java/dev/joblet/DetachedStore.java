package dev.joblet;

import dev.joblet.internal.HostFacts;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The state directory of detached jobs: {@code <root>/<job id>/} per job, holding {@code job} (written by the JVM
 * that started it, before the launch: id, name, command, started, runtime, limits, timeout, log cap, cgroups, the
 * starting process), {@code status} and {@code log} (written by the job's supervisor, see detach.c) and {@code lock}.
 * Every file is replaced atomically (written beside, then renamed); changes that must not interleave (the
 * supervisor's final status, a stop, a delete) hold an fcntl write lock on {@code lock}, the lock both Java's
 * {@link FileChannel#lock()} and the C supervisor take (flock locks would not see fcntl ones). The root is
 * {@code <stateRoot>/jobs} as root and, rootless, {@code $XDG_RUNTIME_DIR/joblet/jobs} unless the config names
 * another state root. Stateless apart from the root; thread-safe.
 */
final class DetachedStore {
    private final Path root;

    DetachedStore(Path root) {
        this.root = root;
    }

    /** The store of {@code config}'s state root (see the class comment for rootless processes). */
    static DetachedStore of(JobletConfig config) {
        Path state = config.stateRoot();
        if (HostFacts.euid() != 0 && state.equals(JobletConfig.builder().build().stateRoot())) {
            String run = System.getenv("XDG_RUNTIME_DIR");
            state = run != null && run.startsWith("/") ? Path.of(run, "joblet")
                    : Path.of(System.getProperty("java.io.tmpdir"), "joblet-" + HostFacts.euid());
        }
        return new DetachedStore(state.resolve("jobs"));
    }

    Path root() {
        return root;
    }

    Path dir(JobId id) {
        return root.resolve(id.toString());
    }

    /** Makes the job's directory (mode 0750) with its {@code job} file; fails if it exists. */
    Path create(JobId id, Properties job) throws IOException {
        Files.createDirectories(root);
        Path dir = dir(id);
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        writeAtomically(dir, "job", job);
        return dir;
    }

    /** Replaces {@code dir/name} with {@code p}: written to {@code name.tmp}, synced, renamed. */
    static void writeAtomically(Path dir, String name, Properties p) throws IOException {
        StringWriter w = new StringWriter();
        p.store(w, null);
        Path tmp = dir.resolve(name + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            ch.write(StandardCharsets.UTF_8.encode(w.toString()));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** {@code dir/name} as properties; empty when the file does not exist (yet, or any more). */
    static Properties read(Path dir, String name) throws IOException {
        Properties p = new Properties();
        try {
            // Never through a link: whoever planted one in a job's directory must not make us read its target.
            try (java.io.InputStream in = Files.newInputStream(dir.resolve(name), StandardOpenOption.READ,
                    LinkOption.NOFOLLOW_LINKS)) {
                p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
        } catch (NoSuchFileException e) {
            // an empty one
        }
        return p;
    }

    /** Every job's id, sorted; entries that are not job directories are skipped. */
    List<JobId> ids() throws IOException {
        List<JobId> ids = new ArrayList<>();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return ids;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path e : entries) {
                JobId id = parseId(e.getFileName().toString());
                if (id != null && Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS)) { // a link is no job's directory
                    ids.add(id);
                }
            }
        }
        Collections.sort(ids);
        return ids;
    }

    /** A handle on every detached job here, by id. */
    List<DetachedJob> handles(java.util.concurrent.ScheduledExecutorService events) throws IOException {
        List<DetachedJob> all = new java.util.ArrayList<>();
        for (JobId id : ids()) {
            all.add(new DetachedJob(id, dir(id), events));
        }
        return all;
    }

    /** A handle on the detached job whose id is, or starts with, {@code idOrPrefix}. */
    DetachedJob handle(String idOrPrefix, java.util.concurrent.ScheduledExecutorService events) throws IOException {
        JobId id = find(idOrPrefix);
        return new DetachedJob(id, dir(id), events);
    }

    /**
     * The job whose id is {@code idOrPrefix} or starts with it (at least one character).
     *
     * @throws JobLookupException when none does or several do (its candidates then name them)
     */
    JobId find(String idOrPrefix) throws IOException {
        if (idOrPrefix.isEmpty() || !idOrPrefix.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-')) {
            throw new JobLookupException("job id \"" + idOrPrefix + "\" is not an id or an id prefix", List.of());
        }
        List<JobId> found = new ArrayList<>();
        for (JobId id : ids()) {
            if (id.toString().equals(idOrPrefix)) {
                return id;
            }
            if (id.startsWith(idOrPrefix)) {
                found.add(id);
            }
        }
        if (found.isEmpty()) {
            throw new JobLookupException("no detached job has id \"" + idOrPrefix + "\" (in " + root + ")", List.of());
        }
        if (found.size() > 1) {
            List<String> names = found.stream().map(JobId::toString).toList();
            throw new JobLookupException("job id prefix \"" + idOrPrefix + "\" is ambiguous: " + String.join(", ", names),
                    names);
        }
        return found.get(0);
    }

    private static @Nullable JobId parseId(String name) {
        try {
            return JobId.parse(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Something done while holding the job's lock. */
    @FunctionalInterface
    interface Locked<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code body} holding the write lock of {@code dir}'s {@code lock} file (across processes; threads of this
     * process that lock the same job wait for each other, polling, as the JDK refuses a second lock of one file).
     */
    static <T> T locked(Path dir, Locked<T> body) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock = null;
            while (lock == null) {
                try {
                    lock = ch.lock();
                } catch (OverlappingFileLockException e) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted waiting for the lock of " + dir);
                    }
                }
            }
            try {
                return body.run();
            } finally {
                lock.release();
            }
        }
    }

    /**
     * Removes the job's directory and the files in it. Links are removed as links, never followed; a directory that
     * is a link, or a subdirectory in it (none is ever made there), is refused, naming it, and left alone.
     */
    static void removeDir(Path dir) throws IOException {
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("job directory " + dir + " is a symbolic link, not a job's: left alone");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path e : entries) {
                if (Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("job directory " + dir + " holds a directory " + e.getFileName()
                            + " that no job makes: left alone");
                }
            }
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path e : entries) {
                Files.deleteIfExists(e); // a link itself, not its target
            }
        }
        Files.deleteIfExists(dir);
    }
}
