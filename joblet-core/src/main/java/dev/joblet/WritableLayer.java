package dev.joblet;

import dev.joblet.internal.Trees;
import dev.joblet.namespaces.HostMounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's writable layer over its runtime: an overlay whose lower layer is the runtime's tree and whose upper layer
 * lives on a size-limited tmpfs of the job's own, mounted on the host under {@code /run/joblet/layer} and removed
 * with the job. The runtime on disk never changes. Thread-safe.
 */
final class WritableLayer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WritableLayer.class);
    static final Path ROOT = Path.of("/run/joblet/layer");

    private final Path dir;
    private final Path merged;
    private boolean overlayMounted;
    private boolean tmpfsMounted;
    private boolean closed;

    private WritableLayer(Path dir) {
        this.dir = dir;
        this.merged = dir.resolve("merged");
    }

    /** Mounts the layer for job {@code id} over {@code rootfs}; nothing remains when it fails. */
    static WritableLayer create(JobId id, Path rootfs, MemorySize size) throws IOException {
        Files.createDirectories(ROOT, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path dir = ROOT.resolve("jvm-" + ProcessHandle.current().pid() + "-" + id);
        Files.createDirectory(dir);
        WritableLayer layer = new WritableLayer(dir);
        try {
            HostMounts.mountTmpfs(dir, "mode=0700,size=" + size.bytes() + ",nr_inodes=" + JobSpec.inodesFor(size));
            layer.tmpfsMounted = true;
            for (String d : new String[] {"upper", "work", "merged"}) {
                Files.createDirectory(dir.resolve(d));
            }
            HostMounts.mountOverlay(rootfs, dir.resolve("upper"), dir.resolve("work"), layer.merged);
            layer.overlayMounted = true;
        } catch (IOException | RuntimeException e) {
            layer.close();
            throw e;
        }
        log.debug("job {}: writable layer {} over {}", id.shortForm(), dir, rootfs);
        return layer;
    }

    /** The tree the job's root is made of: the runtime with the job's changes on top. */
    Path merged() {
        return merged;
    }

    /** Unmounts the overlay and the tmpfs and deletes the directory: the job's changes are gone. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Deleting through an overlay that failed to unmount only writes whiteouts to the upper layer: the runtime
        // below never changes.
        for (Path p : overlayMounted ? new Path[] {merged, dir} : tmpfsMounted ? new Path[] {dir} : new Path[0]) {
            try {
                HostMounts.unmount(p);
            } catch (IOException e) {
                log.warn("cannot unmount {}: {}", p, e.getMessage());
            }
        }
        try {
            Trees.deleteRecursively(dir);
        } catch (IOException e) {
            log.warn("cannot delete the writable layer {}: {}", dir, e.getMessage());
        }
    }
}
