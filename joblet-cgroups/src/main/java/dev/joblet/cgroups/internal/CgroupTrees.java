package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Helpers shared by the drivers: reading optional files, removing trees, bounded waits. Stateless. */
public final class CgroupTrees {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupTrees.class);
    /** How long {@code rmdir} is retried while the kernel still reports the cgroup busy. */
    static final long RMDIR_RETRY_MILLIS = 1_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private CgroupTrees() {}

    /** The content of {@code file}, empty if it does not exist or cannot be read. */
    public static Optional<String> readOptional(CgroupFs fs, Path file) {
        return Optional.ofNullable(readOrNull(fs, file));
    }

    /** The content of {@code file}, null if it does not exist or cannot be read (one read, no existence check). */
    public static @Nullable String readOrNull(CgroupFs fs, Path file) {
        try {
            return fs.readIfExists(file);
        } catch (CgroupException e) {
            LOG.debug("{}", e.getMessage());
            return null;
        }
    }

    /** A number from {@code file}, -1 if absent. */
    public static long readNumber(CgroupFs fs, Path file) {
        String s = readOrNull(fs, file);
        return s == null ? -1 : Keyed.number(s);
    }

    /** Removes {@code dir} and every cgroup below it, children first; does nothing if it does not exist. */
    public static void removeTree(CgroupFs fs, Path dir) throws CgroupException {
        if (!fs.exists(dir)) {
            return;
        }
        for (Path child : fs.subdirectories(dir)) {
            removeTree(fs, child);
        }
        long deadline = System.nanoTime() + RMDIR_RETRY_MILLIS * 1_000_000;
        // A cgroup whose last task is still exiting stays busy for a moment: retry soon first, then back off.
        long pauseNanos = 100_000;
        while (true) {
            try {
                fs.rmdir(dir);
                return;
            } catch (CgroupException e) {
                if (!fs.exists(dir)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.debug("retrying: {}", e.getMessage());
                java.util.concurrent.locks.LockSupport.parkNanos(pauseNanos);
                pauseNanos = Math.min(pauseNanos * 2, 10_000_000);
            }
        }
    }

    /** Polls {@code done} until it holds or {@code millis} pass; returns whether it holds. */
    public static boolean await(BooleanSupplier done, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        long pause = 1;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return done.getAsBoolean();
            }
            sleep(pause);
            pause = Math.min(pause * 2, 20);
        }
        return true;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The parent of a cgroup directory, which always has one (the hierarchy's root is never a job's). */
    public static Path parent(Path dir) {
        Path parent = dir.getParent();
        if (parent == null) {
            throw new IllegalArgumentException("cgroup directory (" + dir + ") has no parent");
        }
        return parent;
    }

    /** Validates a job name: {@code [A-Za-z0-9_.-]{1,64}}, not {@code "."} or {@code ".."}. */
    public static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(
                    String.format("name (\"%s\") must match [A-Za-z0-9_.-]{1,64} and not be . or ..", name));
        }
        return name;
    }
}
