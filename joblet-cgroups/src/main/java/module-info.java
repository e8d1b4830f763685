/**
 * Job cgroups: create, limit, measure and remove the cgroup of one job, on cgroup v2 or v1, only below the
 * process's own cgroup. {@link dev.joblet.cgroups.CgroupDriver} is the entry point; the drivers, the filesystem
 * access and the stale sweep are in {@code dev.joblet.cgroups.internal}, which is not exported.
 */
module dev.joblet.cgroups {
    requires static transitive org.jspecify;
    requires org.slf4j;

    exports dev.joblet.cgroups;
}
