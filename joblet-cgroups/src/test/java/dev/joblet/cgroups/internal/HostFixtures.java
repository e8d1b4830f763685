package dev.joblet.cgroups.internal;

/** /proc/self/mountinfo and /proc/self/cgroup texts of the hosts joblet runs on. */
final class HostFixtures {
    private HostFixtures() {}

    /** This project's build machines: v1 controllers, cpu and cpuacct apart, cgroup2 at unified. */
    static final String HYBRID_MOUNTINFO = String.join("\n",
            "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard",
            "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
            "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
            "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset",
            "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
            "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices",
            "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
            "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio",
            "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
            "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
            "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
            "");

    static final String HYBRID_CGROUP = String.join("\n",
            "9:name=systemd:/", "8:pids:/", "7:blkio:/", "6:freezer:/", "5:devices:/",
            "4:memory:/process_api/abc", "3:cpuset:/", "2:cpuacct:/", "1:cpu:/", "0::/", "");

    /** A classic v1 systemd host: cpu and cpuacct co-mounted, no cgroup2, a service cgroup. */
    static final String V1_MOUNTINFO = String.join("\n",
            "25 18 0:23 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
            "26 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,release_agent=/x,name=systemd",
            "29 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct",
            "30 25 0:28 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory",
            "31 25 0:29 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids",
            "32 25 0:30 / /sys/fs/cgroup/blkio rw,nosuid - cgroup cgroup rw,blkio",
            "33 25 0:31 / /sys/fs/cgroup/cpuset rw,nosuid - cgroup cgroup rw,cpuset,clone_children",
            "34 25 0:32 / /sys/fs/cgroup/freezer rw,nosuid - cgroup cgroup rw,freezer",
            "");

    static final String V1_CGROUP = String.join("\n",
            "7:freezer:/", "6:cpuset:/", "5:blkio:/system.slice/app.service", "4:pids:/system.slice/app.service",
            "3:memory:/system.slice/app.service", "2:cpu,cpuacct:/system.slice/app.service",
            "1:name=systemd:/system.slice/app.service", "");

    /** A pure v2 systemd host, the JVM in a service. */
    static final String V2_MOUNTINFO = String.join("\n",
            "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw",
            "32 24 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate",
            "");

    static final String V2_CGROUP = "0::/system.slice/app.service\n";
}
