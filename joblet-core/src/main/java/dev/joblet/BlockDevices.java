package dev.joblet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds block devices for IO limits. */
final class BlockDevices {
    private BlockDevices() {}

    /** {major, minor} of the whole disk holding the filesystem of {@code path} (a partition's parent disk). */
    static long[] wholeDiskOf(Path path) throws IOException {
        long dev = (Long) Files.getAttribute(path, "unix:dev");
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        Path sys = Path.of("/sys/dev/block/" + major + ":" + minor);
        if (!Files.exists(sys)) {
            throw new IOException("the filesystem of " + path + " (device " + major + ":" + minor
                    + ") is not on a block device, so an IO limit cannot apply to it");
        }
        if (Files.exists(sys.resolve("partition"))) {
            Path parent = sys.toRealPath().resolve("..").normalize(); // the whole disk's directory
            String[] mm = Files.readString(parent.resolve("dev")).trim().split(":");
            return new long[] {Long.parseLong(mm[0]), Long.parseLong(mm[1])};
        }
        return new long[] {major, minor};
    }
}
