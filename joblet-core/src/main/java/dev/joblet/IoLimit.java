package dev.joblet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bandwidth and IOPS limits on one block device. The device is named by path ({@code /dev/vda}) or by
 * {@code major:minor}; 0 means unlimited. Immutable. Create with {@link #device(String)} and the withers.
 *
 * @param major the device's major number
 * @param minor the device's minor number
 * @param readBps read bytes per second
 * @param writeBps written bytes per second
 * @param readIops read operations per second
 * @param writeIops write operations per second
 */
public record IoLimit(int major, int minor, long readBps, long writeBps, long readIops, long writeIops) {
    private static final Pattern MAJ_MIN = Pattern.compile("(\\d{1,9}):(\\d{1,9})");

    public IoLimit {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("io device (" + major + ":" + minor + ") must have non-negative major and"
                    + " minor numbers");
        }
        check("readBps", readBps);
        check("writeBps", writeBps);
        check("readIops", readIops);
        check("writeIops", writeIops);
    }

    private static void check(String field, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(field + " (" + v + ") must not be negative");
        }
    }

    /**
     * A limit (nothing limited yet) on a block device named by path or {@code major:minor}.
     *
     * @throws IllegalArgumentException when it names no block device of this host
     */
    public static IoLimit device(String device) {
        dev.joblet.internal.Args.nonNull(device, "io device");
        Matcher m = MAJ_MIN.matcher(device);
        int major, minor;
        if (m.matches()) {
            major = Integer.parseInt(m.group(1));
            minor = Integer.parseInt(m.group(2));
            if (!Files.exists(Path.of("/sys/dev/block/" + major + ":" + minor))) {
                throw new IllegalArgumentException("io device (" + device + ") is not a block device of this host");
            }
        } else {
            Path p = Path.of(device);
            try {
                int mode = (Integer) Files.getAttribute(p, "unix:mode");
                if ((mode & 0170000) != 0060000) {
                    throw new IllegalArgumentException("io device (" + device + ") is not a block device");
                }
                long rdev = (Long) Files.getAttribute(p, "unix:rdev");
                major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
                minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
            } catch (IOException | UnsupportedOperationException e) {
                throw new IllegalArgumentException("io device (" + device + ") cannot be read: " + e.getMessage(), e);
            }
        }
        return new IoLimit(major, minor, 0, 0, 0, 0);
    }

    public IoLimit readBps(long v) {
        return new IoLimit(major, minor, v, writeBps, readIops, writeIops);
    }

    public IoLimit writeBps(long v) {
        return new IoLimit(major, minor, readBps, v, readIops, writeIops);
    }

    public IoLimit readIops(long v) {
        return new IoLimit(major, minor, readBps, writeBps, v, writeIops);
    }

    public IoLimit writeIops(long v) {
        return new IoLimit(major, minor, readBps, writeBps, readIops, v);
    }

    boolean limitsNothing() {
        return readBps == 0 && writeBps == 0 && readIops == 0 && writeIops == 0;
    }

    @Override
    public String toString() {
        return major + ":" + minor + " rbps=" + readBps + " wbps=" + writeBps + " riops=" + readIops + " wiops=" + writeIops;
    }
}
