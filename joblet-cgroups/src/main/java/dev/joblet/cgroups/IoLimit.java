package dev.joblet.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Bandwidth and IOPS limits on one block device, named by its {@code major:minor}; each rate is per second and
 * {@code 0} means unlimited. Immutable. Create with {@link #device(String)} (a device of this host, by path or
 * number) or {@link #of(int, int)} (any numbers), then the withers:
 * {@code IoLimit.device("/dev/vda").writeBps(2 << 20)}. This is the one IO limit type: {@code JobSpec.Builder.io}
 * and {@link CgroupLimits.Builder#io} take it.
 *
 * <p>Invariants: the numbers and rates are never negative. A limit whose rates are all 0 limits nothing: it is a
 * value on the way to a limit, and the builders that take one refuse it ({@link #limitsNothing()}).
 *
 * <p>On v2 it becomes one {@code io.max} line ({@code "8:0 rbps=.. wbps=.. riops=.. wiops=.."}); on v1 one line in
 * each of {@code blkio.throttle.{read,write}_{bps,iops}_device} whose value is not 0. v1 throttling may reject a
 * partition: name the whole disk there.
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
        if (major < 0) {
            throw new IllegalArgumentException("io device (" + major + ":" + minor + "): major (" + major
                    + ") must not be negative");
        }
        if (minor < 0) {
            throw new IllegalArgumentException("io device (" + major + ":" + minor + "): minor (" + minor
                    + ") must not be negative");
        }
        requireRate("readBps", readBps);
        requireRate("writeBps", writeBps);
        requireRate("readIops", readIops);
        requireRate("writeIops", writeIops);
    }

    private static void requireRate(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " (" + value + ") must not be negative");
        }
    }

    /** A limit (nothing limited yet) on the device {@code major:minor}, which need not exist on this host. */
    public static IoLimit of(int major, int minor) {
        return new IoLimit(major, minor, 0, 0, 0, 0);
    }

    /**
     * A limit (nothing limited yet) on a block device of this host named by path ({@code /dev/vda}) or
     * {@code major:minor}.
     *
     * @throws IllegalArgumentException when it names no block device of this host
     */
    public static IoLimit device(@Nullable String device) {
        if (device == null) {
            throw new NullPointerException("io device (null) must not be null");
        }
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
        return of(major, minor);
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

    /** True when every rate is 0 (unlimited): such a limit is refused where a limit is set. */
    public boolean limitsNothing() {
        return readBps == 0 && writeBps == 0 && readIops == 0 && writeIops == 0;
    }

    /**
     * This limit, or an {@link IllegalArgumentException} naming it when it {@linkplain #limitsNothing() limits
     * nothing}; {@code field} names the setter ({@code "io"}).
     */
    public IoLimit requireSomeRate(String field) {
        if (limitsNothing()) {
            throw new IllegalArgumentException(field + " (" + this + ") limits nothing: set a bandwidth or IOPS value");
        }
        return this;
    }

    /** {@code "major:minor"}. */
    public String device() {
        return major + ":" + minor;
    }

    @Override
    public String toString() {
        return device() + " rbps=" + readBps + " wbps=" + writeBps + " riops=" + readIops + " wiops=" + writeIops;
    }
}
