package dev.joblet.cgroups.internal;

import java.nio.file.Path;
import java.util.Set;

/**
 * One mounted cgroup hierarchy as this process sees it. Immutable.
 *
 * @param v2 whether it is the unified (cgroup2) hierarchy
 * @param controllers for v1, the controllers (and {@code name=...}) it was mounted with; empty for v2
 * @param mountPoint where it is mounted
 * @param ownDir this process's own cgroup in it
 */
public record Hierarchy(boolean v2, Set<String> controllers, Path mountPoint, Path ownDir) {

    public Hierarchy {
        controllers = Set.copyOf(controllers);
    }

    public boolean has(String controller) {
        return controllers.contains(controller);
    }

    /** {@code "cpu,cpuacct"}-like label, or {@code "unified"}. */
    public String label() {
        return v2 ? "unified" : String.join(",", new java.util.TreeSet<>(controllers));
    }
}
