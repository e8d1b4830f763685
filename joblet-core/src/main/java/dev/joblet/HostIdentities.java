package dev.joblet;

import dev.joblet.namespaces.HostLocks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.BitSet;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host uids and gids jobs run as when they pin none: one pair per running job, from a reserved range, so that
 * per-user kernel limits (inotify instances, POSIX mqueue bytes, pipe pages, pending signals) and access to a job's
 * {@code /proc} (ptrace, {@code environ}) are the job's own. A job's pair is held from before its start until
 * nothing of it remains (its supervisor reaped, its cgroup removed), and is never handed out again meanwhile.
 *
 * <p>Ids are taken round robin (each search starts after the last id handed out), so a released id comes back
 * only after every other free id of the range was used: files a job left in a writable volume keep its uid for a long
 * while before another job may get that uid (they are not tracked: see docs/SECURITY.md). Within this object a bit set says which are held; across processes (two JVMs on
 * one host) each held id is an exclusive {@code flock} on {@code <lockDir>/<uid>}, kept for the job's life: the
 * kernel drops it when the JVM dies, whose non-detached jobs die with it (their supervisors see the lifeline close).
 * The uid and gid of a pair are the same number. Ids of the range that the host already uses are never handed out:
 * those of {@code /etc/passwd}, {@code /etc/group}, the ranges of {@code /etc/subuid} and {@code /etc/subgid}, and
 * those of the processes running when this object was made.
 *
 * <p>Each pair also gets a job-local {@code passwd} and {@code group} (root, nobody and {@code job} for the pair),
 * beside its lock file, removed before the id is released; the job sees them as its {@code /etc/passwd} and
 * {@code /etc/group}, so {@code ps} and {@code id} show its user as {@code job}.
 *
 * <p>Thread-safe. One per owner of the launch machinery ({@link Host} holds the JVM's); closing leases is up to
 * whoever took them.
 */
final class HostIdentities {
    private static final Logger log = LoggerFactory.getLogger(HostIdentities.class);

    /** The default range: 65,536 ids from 0x70000000, see docs/SECURITY.md. */
    static final int DEFAULT_FIRST = 0x7000_0000;
    static final int DEFAULT_COUNT = 65_536;
    static final Path DEFAULT_DIR = Path.of("/run/joblet/ids");

    /** Where the range of an instance built from a {@link JobletConfig} is set. */
    static final String RANGE_SETTING = "JobletConfig.Builder.identityRange(FIRST, LAST)";
    /** Where the range of {@link Joblet#system()} is set: its config comes from the system properties. */
    static final String SYSTEM_RANGE_SETTING = "-Djoblet.idRange=FIRST-LAST";

    /** The name jobs see their own user and group by. */
    static final String JOB_USER = "job";

    private final int first;
    /**
     * Where the next search starts: after the id handed out last, by any process (shared through {@code <dir>/next},
     * read at the first allocation, written best-effort after each), so that one-shot CLIs do not all start at the
     * lowest id. -1 until read. Guarded by this.
     */
    private int next = -1;
    private final int count;
    private final Path dir;
    /** How the owner of this range widens it, for the message when it runs out (see {@link #RANGE_SETTING}). */
    private final String rangeSetting;
    /** Ids the host uses (bit i = first + i). Written only by the constructor. */
    private final BitSet excluded;
    // Guarded by this.
    private final BitSet held = new BitSet();

    /**
     * @param first the first id of the range (at least 1,000, below 2^31)
     * @param count how many ids the range has (at least 1)
     * @param dir where the lock files and job-local passwd and group files go (made 0755 if missing)
     * @param rangeSetting where the owner sets the range ({@link #RANGE_SETTING} or {@link #SYSTEM_RANGE_SETTING}),
     *     named when the range runs out
     */
    HostIdentities(int first, int count, Path dir, String rangeSetting) {
        this(first, count, dir, rangeSetting, List.of(Path.of("/etc/passwd"), Path.of("/etc/group")),
                List.of(Path.of("/etc/subuid"), Path.of("/etc/subgid")), Path.of("/proc"));
    }

    /** With the host's id files and /proc given (tests). */
    HostIdentities(int first, int count, Path dir, String rangeSetting, List<Path> idFiles, List<Path> rangeFiles,
            @Nullable Path proc) {
        if (first < 1000 || count < 1 || (long) first + count - 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("identity range (" + first + ", " + count + " ids) must start at 1000 or"
                    + " above, hold at least one id and end below 2^31");
        }
        this.first = first;
        this.count = count;
        this.dir = dir;
        this.rangeSetting = rangeSetting;
        this.excluded = new BitSet(count);
        for (Path f : idFiles) {
            for (String line : lines(f)) {
                String[] p = line.split(":", -1);
                if (p.length > 2) {
                    exclude(p[2], "1", f);
                }
                if (p.length > 3 && f.getFileName().toString().equals("passwd")) {
                    exclude(p[3], "1", f);
                }
            }
        }
        for (Path f : rangeFiles) {
            for (String line : lines(f)) {
                String[] p = line.split(":", -1);
                if (p.length == 3) {
                    exclude(p[1], p[2], f);
                }
            }
        }
        if (proc != null) {
            excludeRunning(proc);
        }
    }

    /** The ids of the range, as "first-last". */
    String range() {
        return first + "-" + (first + count - 1);
    }

    int first() {
        return first;
    }

    int count() {
        return count;
    }

    /** Ids of the range that are free to use: neither the host's nor held by this object. */
    synchronized int available() {
        BitSet used = (BitSet) excluded.clone();
        used.or(held);
        return count - used.cardinality();
    }

    /** Whether this object holds {@code uid} for a job now. */
    synchronized boolean holds(int uid) {
        return uid >= first && uid - first < count && held.get(uid - first);
    }

    /**
     * Takes the next free id of the range (round robin) for one job: neither the host's, nor held here, nor locked by another
     * process.
     *
     * @throws IOException when every id of the range is in use (the message names the range and how to widen it),
     *     or the lock directory cannot be used
     */
    Lease allocate() throws IOException {
        ensureDir();
        int start;
        synchronized (this) {
            start = next < 0 ? readCursor() : next;
        }
        int tried = 0;
        while (true) {
            int i = -1;
            synchronized (this) {
                while (tried < count) {
                    int c = (start + tried) % count;
                    tried++;
                    if (!held.get(c) && !excluded.get(c)) {
                        i = c;
                        break;
                    }
                }
                if (i < 0) {
                    throw new IOException("no host identity left for the job: all " + count + " ids of the range " + range()
                            + " are in use by running jobs (of this JVM: " + held.cardinality() + ") or by the host; end"
                            + " some jobs, widen the range with " + rangeSetting + ", or pin one with user(uid, gid)");
                }
                held.set(i); // ours while we try its lock
            }
            int uid = first + i;
            int fd;
            try {
                fd = HostLocks.tryLock(dir.resolve(Integer.toString(uid)));
            } catch (IOException | RuntimeException e) {
                free(i);
                throw e;
            }
            if (fd < 0) { // another JVM's job has it
                free(i);
                continue;
            }
            synchronized (this) {
                next = (i + 1) % count;
                writeCursor(uid);
            }
            try {
                Path passwd = writeAtomically("passwd-" + uid, "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                        + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                        + JOB_USER + ":x:" + uid + ":" + uid + ":job:/work:/bin/sh\n");
                Path group = writeAtomically("group-" + uid, "root:x:0:\nnogroup:x:65534:\n" + JOB_USER + ":x:" + uid + ":\n");
                return new Lease(this, i, fd, uid, passwd, group);
            } catch (IOException | RuntimeException e) {
                deleteFiles(uid);
                HostLocks.unlock(fd);
                free(i);
                throw e;
            }
        }
    }

    /** Caller holds this. The index after the uid in {@code <dir>/next}, or 0. */
    private int readCursor() {
        try {
            long uid = Long.parseLong(Files.readString(dir.resolve("next")).strip());
            return uid >= first && uid - first < count ? (int) ((uid - first + 1) % count) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Caller holds this. Best-effort: a cursor that cannot be written only makes the next JVM start lower. */
    private void writeCursor(int uid) {
        try {
            Files.writeString(dir.resolve("next"), Integer.toString(uid));
        } catch (IOException e) {
            log.debug("identity range {}: cannot record the last id handed out: {}", range(), e.getMessage());
        }
    }

    private synchronized void free(int index) {
        held.clear(index);
    }

    private void deleteFiles(int uid) {
        for (String name : new String[] {"passwd-" + uid, "group-" + uid}) {
            try {
                Files.deleteIfExists(dir.resolve(name));
            } catch (IOException e) {
                log.warn("cannot remove {}: {}", dir.resolve(name), e.getMessage());
            }
        }
    }

    private Path writeAtomically(String name, String content) throws IOException {
        Path target = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".tmp");
        Files.deleteIfExists(tmp);
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private void ensureDir() throws IOException {
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new IOException("cannot create the directory of job identities " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    private void exclude(String start, String n, Path from) {
        long s, c;
        try {
            s = Long.parseLong(start.strip());
            c = Long.parseLong(n.strip());
        } catch (NumberFormatException e) {
            return;
        }
        long lo = Math.max(s, first), hi = Math.min(s + c, (long) first + count);
        if (lo < hi) {
            log.debug("identity range {}: ids {}-{} are used by {}", range(), lo, hi - 1, from);
            excluded.set((int) (lo - first), (int) (hi - first));
        }
    }

    private void excludeRunning(Path proc) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, p -> p.getFileName().toString().chars()
                .allMatch(Character::isDigit))) {
            for (Path p : ds) {
                for (String line : lines(p.resolve("status"))) {
                    if (line.startsWith("Uid:") || line.startsWith("Gid:")) {
                        for (String id : line.substring(4).trim().split("\\s+")) {
                            exclude(id, "1", p);
                        }
                    }
                }
            }
        } catch (IOException e) {
            log.debug("identity range {}: cannot list {}: {}", range(), proc, e.getMessage());
        }
    }

    private static List<String> lines(Path f) {
        try {
            return Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of(); // a host without the file, or a process that has gone
        }
    }

    /**
     * One job's host uid and gid (the same number) with its passwd and group files; held until closed. Closing
     * removes the files and releases the id. Idempotent; thread-safe.
     */
    static final class Lease implements AutoCloseable {
        private final HostIdentities owner;
        private final int index;
        private final int uid;
        private final Path passwd;
        private final Path group;
        // Guarded by this.
        private int fd;

        private Lease(HostIdentities owner, int index, int fd, int uid, Path passwd, Path group) {
            this.owner = owner;
            this.index = index;
            this.fd = fd;
            this.uid = uid;
            this.passwd = passwd;
            this.group = group;
        }

        int uid() {
            return uid;
        }

        int gid() {
            return uid;
        }

        /** The job-local /etc/passwd: root, nobody and {@value HostIdentities#JOB_USER}. */
        Path passwd() {
            return passwd;
        }

        Path group() {
            return group;
        }

        /** The lock's descriptor (a detached job's supervisor copies it: see {@link #handOff()}); -1 once let go. */
        synchronized int lockFd() {
            return fd;
        }

        /**
         * Lets go of the lease once a detached job's supervisor holds a copy of its lock (the flock then stays until
         * that supervisor exits): the descriptor is closed here and the id forgotten by this object, but the job's
         * passwd and group files stay (the job runs with them; the next holder of the id writes its own).
         */
        void handOff() {
            release(false);
        }

        @Override
        public void close() {
            release(true);
        }

        private void release(boolean deleteFiles) {
            int f;
            synchronized (this) {
                f = fd;
                fd = -1;
            }
            if (f < 0) {
                return;
            }
            if (deleteFiles) {
                owner.deleteFiles(uid); // before the lock goes: the next holder writes its own
            }
            HostLocks.unlock(f);
            owner.free(index);
        }

        @Override
        public String toString() {
            return "host identity " + uid;
        }
    }
}
