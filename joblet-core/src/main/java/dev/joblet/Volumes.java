package dev.joblet;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Managed, sized volumes under a volumes root ({@link JobletConfig#volumesRoot()}): {@link #create}, {@link #list},
 * {@link #remove}, and {@link #mount} to put one in a job's spec. A volume is its host directory
 * {@code <root>/<name>} with a filesystem mounted on it in the host's mount namespace from its first use (its
 * creation) until its removal; its record, its image and the store's lock are in {@code <root>/.managed/}. The
 * size is enforced by the filesystem itself ({@link VolumeType}): a job that writes past it gets ENOSPC. Changes
 * hold an fcntl lock on {@code .managed/lock}, so concurrent processes (rnx runs, JVMs) stay consistent; the store
 * holds nothing open between calls (nothing to close). Thread-safe.
 *
 * <pre>{@code
 * Volumes volumes = joblet.volumes();
 * volumes.create("data", MemorySize.ofMegabytes(64), VolumeType.FILESYSTEM);
 * joblet.start(Joblet.builder().volume(volumes.mount("data")).command("sh", "-c", "date >> /volumes/data/log").build());
 * }</pre>
 */
public final class Volumes {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** The smallest filesystem volume: below this ext4's own metadata leaves too little. */
    public static final MemorySize MIN_FILESYSTEM_SIZE = MemorySize.ofMegabytes(4);

    private final Path root;
    private final VolumeMounts mounts;

    Volumes(Path root, Path proc) {
        this.root = root;
        this.mounts = new VolumeMounts(proc);
    }

    /** The volumes of {@code config}'s volumes root. */
    public static Volumes of(JobletConfig config) {
        return new Volumes(dev.joblet.internal.Args.nonNull(config, "config").volumesRoot(), Path.of("/proc"));
    }

    public Path root() {
        return root;
    }

    /**
     * Creates volume {@code name} of {@code size} and mounts it. Nothing of it remains when this fails.
     *
     * @throws IllegalArgumentException naming the field and value: a bad name, a size too small, a filesystem volume
     *     larger than the free space of the host's disk under the root, a memory volume larger than the host's memory
     * @throws VolumeException {@code EXISTS} when a volume or directory has that name; {@code HOST} when mkfs or
     *     mount fail (not root, tools missing)
     */
    @SuppressWarnings("try") // the lock is held, not used: closing it releases it
    public VolumeInfo create(String name, MemorySize size, VolumeType type) throws VolumeException {
        checkName(name);
        dev.joblet.internal.Args.nonNull(size, "volume size");
        dev.joblet.internal.Args.nonNull(type, "volume type");
        dev.joblet.internal.Args.atLeast("volume size", size,
                type == VolumeType.FILESYSTEM ? MIN_FILESYSTEM_SIZE : JobSpec.MIN_TMPFS_SIZE);
        try (Locked l = lock()) {
            Path dir = root.resolve(name);
            if (Files.exists(record(name), LinkOption.NOFOLLOW_LINKS)) {
                throw new VolumeException(VolumeException.Reason.EXISTS, "volume " + name + " exists already", null);
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new VolumeException(VolumeException.Reason.EXISTS, "volume name (" + name + ") is taken by the"
                        + " directory " + dir + " (an unsized named volume); remove it first", null);
            }
            checkRoom(size, type);
            List<Path> made = new ArrayList<>();
            try {
                if (type == VolumeType.FILESYSTEM) {
                    Path image = image(name);
                    made.add(image);
                    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                        f.setLength(size.bytes()); // sparse: the host's disk gains what is written, at most the size
                    }
                    VolumeMounts.mkfs(image, "joblet-" + (name.length() > 9 ? name.substring(0, 9) : name));
                }
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("---------")));
                made.add(dir);
                Properties p = new Properties();
                p.setProperty("name", name);
                p.setProperty("type", type.label());
                p.setProperty("size", Long.toString(size.bytes()));
                p.setProperty("created", java.time.Instant.now().toString());
                writeRecord(name, p);
                made.add(record(name));
                Path mounted = mountIfNeeded(name, type, size);
                return info(name, type, size, mounted);
            } catch (IOException | RuntimeException e) {
                undo(name, made);
                throw new VolumeException(VolumeException.Reason.HOST, "cannot create volume " + name + ": "
                        + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new VolumeException(VolumeException.Reason.HOST, "cannot create volume " + name + ": " + e.getMessage(), e);
        }
    }

    /** Every managed volume, by name, with its usage and the jobs that have it mounted now. */
    public List<VolumeInfo> list() throws IOException {
        List<VolumeInfo> out = new ArrayList<>();
        if (!Files.isDirectory(meta())) {
            return out;
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(meta(), "*.volume")) {
            ds.forEach(p -> names.add(p.getFileName().toString().replaceFirst("\\.volume$", "")));
        }
        names.sort(null);
        for (String n : names) {
            Optional<Properties> p = readRecord(n);
            if (p.isPresent()) {
                out.add(info(n, VolumeType.parse(p.get().getProperty("type", "filesystem")),
                        MemorySize.ofBytes(Long.parseLong(p.get().getProperty("size", "0"))), root.resolve(n)));
            }
        }
        return out;
    }

    /** The volume named so, if it exists. */
    public Optional<VolumeInfo> get(String name) throws IOException {
        checkName(name);
        return list().stream().filter(v -> v.name().equals(name)).findFirst();
    }

    /** As {@link #mount(String, String)} at {@code /volumes/<name>}. */
    public Volume mount(String name) throws VolumeException {
        return mount(name, "/volumes/" + name);
    }

    /**
     * The volume for a job's spec ({@link JobSpec.Builder#volume}), writable at {@code target}: mounted on the host
     * first if it is not (after a reboot).
     *
     * @throws VolumeException {@code NOT_FOUND} naming it when it does not exist ({@link #mountOrCreate} makes it)
     */
    @SuppressWarnings("try") // the lock is held, not used: closing it releases it
    public Volume mount(String name, String target) throws VolumeException {
        checkName(name);
        try (Locked l = lock()) {
            Properties p = readRecord(name).orElseThrow(() -> new VolumeException(VolumeException.Reason.NOT_FOUND,
                    "volume " + name + " does not exist under " + root + " (create it first)", null));
            mountIfNeeded(name, VolumeType.parse(p.getProperty("type")), MemorySize.ofBytes(Long.parseLong(p.getProperty("size"))));
            return new Volume(root.toRealPath().resolve(name), target, true);
        } catch (IOException e) {
            throw new VolumeException(VolumeException.Reason.HOST, "cannot mount volume " + name + ": " + e.getMessage(), e);
        }
    }

    /** {@link #mount(String)}, creating the volume first (of {@code size} and {@code type}) when it does not exist. */
    public Volume mountOrCreate(String name, MemorySize size, VolumeType type) throws VolumeException {
        try {
            return mount(name);
        } catch (VolumeException e) {
            if (e.reason() != VolumeException.Reason.NOT_FOUND) {
                throw e;
            }
        }
        try {
            create(name, size, type);
        } catch (VolumeException e) {
            if (e.reason() != VolumeException.Reason.EXISTS) { // else another process made it meanwhile
                throw e;
            }
        }
        return mount(name);
    }

    /**
     * Removes the volume and its contents: unmounts it (the loop device goes with the mount), deletes its image,
     * record and directory.
     *
     * @throws VolumeException {@code NOT_FOUND}; {@code IN_USE} naming the jobs that have it mounted (nothing changed)
     */
    @SuppressWarnings("try") // the lock is held, not used: closing it releases it
    public void remove(String name) throws VolumeException {
        checkName(name);
        try (Locked l = lock()) {
            if (readRecord(name).isEmpty()) {
                throw new VolumeException(VolumeException.Reason.NOT_FOUND, "volume " + name + " does not exist under "
                        + root, null);
            }
            Path dir = root.resolve(name);
            Optional<String> dev = mounts.mountedAt(dir.toAbsolutePath());
            if (dev.isPresent()) {
                Set<String> users = mounts.users(dev.get());
                if (!users.isEmpty()) {
                    throw new VolumeException(VolumeException.Reason.IN_USE, "volume " + name + " is in use by "
                            + users.size() + " job(s): " + String.join(", ", users), null);
                }
                VolumeMounts.umount(dir);
            }
            Files.deleteIfExists(image(name));
            Files.deleteIfExists(dir);
            Files.deleteIfExists(record(name));
        } catch (IOException e) {
            throw new VolumeException(VolumeException.Reason.HOST, "cannot remove volume " + name + ": " + e.getMessage(), e);
        }
    }

    // ---- inside the lock ----

    /** Mounts the volume unless it is; returns its device. */
    private Path mountIfNeeded(String name, VolumeType type, MemorySize size) throws IOException {
        Path dir = root.resolve(name).toAbsolutePath();
        if (mounts.mountedAt(dir).isEmpty()) {
            if (type == VolumeType.FILESYSTEM) {
                VolumeMounts.mountImage(image(name), dir);
                // The filesystem's root: anyone in a job may write (jobs run as nobody), sticky as /tmp.
                Files.setAttribute(dir, "unix:mode", 01777);
            } else {
                VolumeMounts.mountTmpfs("joblet-volume-" + name, size.bytes(), dir);
            }
        }
        return dir;
    }

    private void undo(String name, List<Path> made) {
        Path dir = root.resolve(name).toAbsolutePath();
        try {
            if (mounts.mountedAt(dir).isPresent()) {
                VolumeMounts.umount(dir);
            }
        } catch (IOException e) {
            // the deletes below report what stays
        }
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(made.get(i));
            } catch (IOException e) {
                // best effort: the create's error is the one reported
            }
        }
    }

    private VolumeInfo info(String name, VolumeType type, MemorySize size, Path dir) throws IOException {
        Optional<String> dev = mounts.mountedAt(dir.toAbsolutePath());
        long used = -1;
        List<String> jobs = List.of();
        if (dev.isPresent()) {
            java.nio.file.FileStore fs = Files.getFileStore(dir);
            used = fs.getTotalSpace() - fs.getUnallocatedSpace();
            jobs = List.copyOf(mounts.users(dev.get()));
        }
        return new VolumeInfo(name, type, size, used, jobs, dir);
    }

    private void checkRoom(MemorySize size, VolumeType type) throws IOException {
        if (type == VolumeType.FILESYSTEM) {
            long free = Files.getFileStore(root).getUsableSpace();
            if (size.bytes() > free) {
                throw new IllegalArgumentException("volume size (" + size + ") is more than the free space of the host's"
                        + " disk under " + root + " (" + MemorySize.ofBytes(free) + ")");
            }
        } else {
            long total = memTotal();
            if (size.bytes() > total) {
                throw new IllegalArgumentException("volume size (" + size + ") is more than this host's memory ("
                        + MemorySize.ofBytes(total) + ")");
            }
        }
    }

    /** MemTotal of /proc/meminfo, in bytes (Long.MAX_VALUE when unreadable: the mount then says). */
    private static long memTotal() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return Long.MAX_VALUE;
    }

    /** Whether {@code name} is a managed volume of {@code root} (for {@link Volume#named}). */
    static boolean isManaged(Path root, String name) {
        return Files.isRegularFile(root.resolve(".managed").resolve(name + ".volume"), LinkOption.NOFOLLOW_LINKS);
    }

    private static void checkName(String name) {
        dev.joblet.internal.Args.nonNull(name, "volume name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("volume name (" + name + ") must be 1 to 64 letters, digits, '.', '_' or"
                    + " '-', starting with a letter or digit");
        }
    }

    private Path meta() {
        return root.resolve(".managed");
    }

    private Path record(String name) {
        return meta().resolve(name + ".volume");
    }

    private Path image(String name) {
        return meta().resolve(name + ".img");
    }

    private Optional<Properties> readRecord(String name) throws IOException {
        Path r = record(name);
        if (!Files.isRegularFile(r, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(r, StandardCharsets.UTF_8)));
        return Optional.of(p);
    }

    private void writeRecord(String name, Properties p) throws IOException {
        StringWriter w = new StringWriter();
        p.store(w, null);
        Path tmp = meta().resolve(name + ".volume.tmp");
        Files.writeString(tmp, w.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, record(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The store's fcntl lock (made with the root on first use), held until closed. */
    private Locked lock() throws IOException {
        if (!Files.isDirectory(root)) {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Files.createDirectories(meta(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        FileChannel ch = FileChannel.open(meta().resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        try {
            while (true) {
                try {
                    return new Locked(ch, ch.lock());
                } catch (OverlappingFileLockException e) { // another thread of this JVM holds it
                    Thread.sleep(5);
                }
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        } catch (InterruptedException e) {
            ch.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the volumes lock", e);
        }
    }

    private record Locked(FileChannel channel, FileLock lock) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close(); // releases the lock
        }
    }
}
