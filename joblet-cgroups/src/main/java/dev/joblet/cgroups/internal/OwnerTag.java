package dev.joblet.cgroups.internal;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of a JVM's directory under {@code joblet/}: {@code jvm-<pid>-<starttime>-<pidns>}, optionally followed by
 * {@code -<8 hex digits>} naming one driver of that JVM (each {@code Joblet} instance has a driver and a directory of
 * its own, so that one closing never removes a directory another uses). The start time
 * ({@code /proc/<pid>/stat} field 22) tells a reused pid apart; the pid namespace inode keeps a JVM from judging
 * the pids of another namespace, which it cannot see. Immutable.
 *
 * @param pid the owner's pid in its pid namespace
 * @param startTime the owner's start time in clock ticks after boot
 * @param pidNamespace the inode of the owner's pid namespace, 0 if unknown
 */
public record OwnerTag(long pid, long startTime, long pidNamespace) {
    private static final Pattern NAME = Pattern.compile("jvm-(\\d{1,10})-(\\d{1,20})-(\\d{1,20})(?:-[0-9a-f]{8})?");

    /** The tag of the process that {@code table} describes as itself. */
    public static OwnerTag self(ProcessTable table) {
        long pid = table.selfPid();
        long start = table.startTime(pid).orElse(0);
        return new OwnerTag(pid, start, table.pidNamespace());
    }

    public static Optional<OwnerTag> parse(String dirName) {
        Matcher m = NAME.matcher(dirName);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new OwnerTag(
                    Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public String dirName() {
        return "jvm-" + pid + "-" + startTime + "-" + pidNamespace;
    }

    /** The directory name of one driver of this owner: {@link #dirName()} and a random suffix of 8 hex digits. */
    public String driverDirName() {
        return dirName() + "-" + String.format(java.util.Locale.ROOT, "%08x",
                java.util.concurrent.ThreadLocalRandom.current().nextInt());
    }

    /**
     * Whether this owner is gone, as far as {@code table} (of the pid namespace {@code table.pidNamespace()})
     * can tell: false for an owner of another pid namespace, whose liveness cannot be judged from here.
     */
    public boolean isDead(ProcessTable table) {
        if (pidNamespace != table.pidNamespace()) {
            return false;
        }
        OptionalLong start = table.startTime(pid);
        return start.isEmpty() || start.getAsLong() != startTime;
    }
}
