package dev.joblet.internal;

import dev.joblet.CpuSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about this process and host, read from /proc. Thread-safe. */
public final class HostFacts {
    private HostFacts() {}

    /** The CPUs this process may run on (its affinity), from /proc/self/status. */
    public static CpuSet allowedCpus() {
        String list = statusField("Cpus_allowed_list");
        return list == null ? CpuSet.parse("0-" + (onlineCpus() - 1)) : CpuSet.parse(list);
    }

    public static int onlineCpus() {
        return java.lang.Runtime.getRuntime().availableProcessors();
    }

    /** The effective uid, from /proc/self/status. */
    public static int euid() {
        String uid = statusField("Uid");
        if (uid == null) {
            return -1;
        }
        return Integer.parseInt(uid.trim().split("\\s+")[1]);
    }

    /** The effective gid, from /proc/self/status. */
    public static int egid() {
        String gid = statusField("Gid");
        if (gid == null) {
            return -1;
        }
        return Integer.parseInt(gid.trim().split("\\s+")[1]);
    }

    private static @org.jspecify.annotations.Nullable String statusField(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name + ":")) {
                    return line.substring(name.length() + 1).trim();
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
