package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupLayout;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The cgroup hierarchies found by {@link LayoutDetector}. Immutable.
 *
 * @param layout the kind of host
 * @param v1 the v1 hierarchies that hold a controller joblet uses, in mount order
 * @param unified the cgroup2 hierarchy, if mounted and this process's cgroup in it is visible
 */
public record HostLayout(CgroupLayout layout, List<Hierarchy> v1, @Nullable Hierarchy unified) {

    public HostLayout {
        v1 = List.copyOf(v1);
    }

    public Optional<Hierarchy> unifiedHierarchy() {
        return Optional.ofNullable(unified);
    }

    /** The v1 hierarchy that holds {@code controller}, e.g. {@code "cpuacct"}. */
    public Optional<Hierarchy> v1With(String controller) {
        return v1.stream().filter(h -> h.has(controller)).findFirst();
    }
}
