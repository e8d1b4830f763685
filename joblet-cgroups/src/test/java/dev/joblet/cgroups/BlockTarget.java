package dev.joblet.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where an IO test may write with O_DIRECT, and the whole-disk device to limit: the VM's scratch disk
 * ({@code SCRATCH_DISK}, {@code SCRATCH_DISK_DEV}), else a file in {@code /var/tmp} when a block device backs it.
 */
record BlockTarget(Path path, int major, int minor, boolean temporaryFile) {

    static Optional<BlockTarget> find() throws IOException {
        String disk = System.getenv("SCRATCH_DISK");
        String dev = System.getenv("SCRATCH_DISK_DEV");
        if (disk != null && dev != null) {
            String[] mm = dev.split(":");
            return Optional.of(new BlockTarget(Path.of(disk), Integer.parseInt(mm[0]), Integer.parseInt(mm[1]), false));
        }
        Path dir = Path.of("/var/tmp").toRealPath();
        String best = null;
        String bestDevice = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            String mountPoint = f[4];
            if ((dir.toString() + "/").startsWith(mountPoint.equals("/") ? "/" : mountPoint + "/")
                    && (best == null || mountPoint.length() >= best.length())) {
                best = mountPoint;
                bestDevice = f[2];
            }
        }
        if (bestDevice == null) {
            return Optional.empty();
        }
        Path sys = Path.of("/sys/dev/block", bestDevice);
        if (!Files.exists(sys)) {
            return Optional.empty();
        }
        Path real = sys.toRealPath();
        // blkio throttling may refuse a partition: limit the whole disk.
        if (Files.exists(real.resolve("partition"))) {
            bestDevice = Files.readString(real.getParent().resolve("dev")).strip();
        }
        String[] mm = bestDevice.split(":");
        Path file = Files.createTempFile(dir, "joblet-io", ".bin");
        return Optional.of(new BlockTarget(file, Integer.parseInt(mm[0]), Integer.parseInt(mm[1]), true));
    }

    void cleanUp() throws IOException {
        if (temporaryFile) {
            Files.deleteIfExists(path);
        }
    }
}
