package dev.joblet.cgroups;

/**
 * Bandwidth and IOPS limits for one block device, named by its {@code major:minor}. Immutable.
 *
 * <p>Each rate is per second; {@code 0} means unlimited. On v2 this becomes one {@code io.max} line
 * ({@code "8:0 rbps=.. wbps=.. riops=.. wiops=.."}); on v1 one line in each of
 * {@code blkio.throttle.{read,write}_{bps,iops}_device} whose value is not 0. v1 throttling may reject a
 * partition: name the whole disk there.
 */
public record IoLimit(int major, int minor, long readBps, long writeBps, long readIops, long writeIops) {

    public IoLimit {
        if (major < 0) {
            throw new IllegalArgumentException(String.format("major (%s) must not be negative", major));
        }
        if (minor < 0) {
            throw new IllegalArgumentException(String.format("minor (%s) must not be negative", minor));
        }
        requireRate("readBps", readBps);
        requireRate("writeBps", writeBps);
        requireRate("readIops", readIops);
        requireRate("writeIops", writeIops);
        if (readBps == 0 && writeBps == 0 && readIops == 0 && writeIops == 0) {
            throw new IllegalArgumentException(
                    String.format("io limit for %s:%s sets no rate (all are 0 = unlimited)", major, minor));
        }
    }

    /** A write bandwidth limit only. */
    public static IoLimit writeBps(int major, int minor, long bytesPerSecond) {
        return new IoLimit(major, minor, 0, bytesPerSecond, 0, 0);
    }

    /** A read bandwidth limit only. */
    public static IoLimit readBps(int major, int minor, long bytesPerSecond) {
        return new IoLimit(major, minor, bytesPerSecond, 0, 0, 0);
    }

    /** The same limits for both directions' bandwidth. */
    public static IoLimit bps(int major, int minor, long bytesPerSecond) {
        return new IoLimit(major, minor, bytesPerSecond, bytesPerSecond, 0, 0);
    }

    /** {@code "major:minor"}. */
    public String device() {
        return major + ":" + minor;
    }

    private static void requireRate(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(String.format("%s (%s) must not be negative", field, value));
        }
    }
}
