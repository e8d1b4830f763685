package dev.joblet.internal;

import dev.joblet.EnvironmentCheck;
import dev.joblet.EnvironmentCheck.Status;
import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.Controller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Looks at this host the way a job start will: privileges, user namespaces (with distribution
 * restrictions), cgroups, seccomp, Landlock, overlayfs, and the tools private networks need. Reads files only (and
 * looks programs up on the PATH); starts nothing. Thread-safe.
 */
public final class EnvironmentProbe {
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Path proc;
    private final Path sys;
    private final String path;

    /** With the JVM's own PATH, which is where the library runs {@code ip} and {@code nft} from. */
    public EnvironmentProbe(Path proc, Path sys) {
        this(proc, sys, System.getenv("PATH") == null ? DEFAULT_PATH : System.getenv("PATH"));
    }

    /** {@code path}: the PATH to look {@code ip} and {@code nft} up on. */
    public EnvironmentProbe(Path proc, Path sys, String path) {
        this.proc = proc;
        this.sys = sys;
        this.path = path;
    }

    public List<EnvironmentCheck> run() {
        List<EnvironmentCheck> checks = new ArrayList<>();
        int euid = HostFacts.euid();
        boolean root = euid == 0;
        checks.add(root ? ok("privileges", "root (euid 0): jobs run in namespaces the helper creates directly")
                : new EnvironmentCheck("privileges", Status.LIMITED, "euid " + euid + ": rootless mode, every job runs in a user"
                        + " namespace mapped to this user", "run as root for cgroup limits without delegation"));
        checks.add(userNamespaces(root));
        checks.add(cgroups(root));
        checks.add(seccomp());
        checks.add(landlock());
        checks.add(overlay());
        checks.add(privateNetworks(root));
        return checks;
    }

    /** Private networks (Network.create, rnx network run) need root, iproute2's ip and nftables' nft. */
    private EnvironmentCheck privateNetworks(boolean root) {
        String name = "private networks";
        if (!root) {
            return new EnvironmentCheck(name, Status.MISSING, "need root (a bridge, veths and nftables rules on the host):"
                    + " Network.create and rnx network run fail in rootless mode",
                    "run as root for private networks (Network.NONE and Network.HOST work rootless)");
        }
        Path ip = onPath("ip");
        Path nft = onPath("nft");
        if (ip == null || nft == null) {
            String tools = ip == null && nft == null ? "ip and nft are" : (ip == null ? "ip is" : "nft is");
            String packages = ip == null && nft == null ? "iproute2 nftables" : (ip == null ? "iproute2" : "nftables");
            return new EnvironmentCheck(name, Status.MISSING, tools + " not found on the PATH (" + path + "): private"
                    + " networks (Network.create, rnx network run) cannot be created; Network.NONE and Network.HOST work",
                    "apt-get install " + packages + " (Debian/Ubuntu), or put " + (ip == null ? "ip" : "nft")
                            + " on the JVM's PATH");
        }
        return ok(name, "ip (" + ip + ") and nft (" + nft + ") found; root can create bridges");
    }

    private @Nullable Path onPath(String program) {
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private EnvironmentCheck userNamespaces(boolean root) {
        String max = read(proc.resolve("sys/user/max_user_namespaces"));
        String debian = read(proc.resolve("sys/kernel/unprivileged_userns_clone"));
        String apparmor = read(proc.resolve("sys/kernel/apparmor_restrict_unprivileged_userns"));
        String name = "user namespaces";
        if (max != null && max.equals("0")) {
            return new EnvironmentCheck(name, Status.MISSING, "user.max_user_namespaces is 0",
                    "sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d to keep it)");
        }
        if (!root && "0".equals(debian)) {
            return new EnvironmentCheck(name, Status.MISSING, "kernel.unprivileged_userns_clone is 0: rootless jobs cannot start",
                    "sysctl -w kernel.unprivileged_userns_clone=1, or run as root");
        }
        if (!root && "1".equals(apparmor)) {
            return new EnvironmentCheck(name, Status.MISSING, "AppArmor restricts unprivileged user namespaces"
                    + " (kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 23.10+): rootless jobs cannot start",
                    "add an AppArmor profile granting 'userns' to java, or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0,"
                            + " or run as root");
        }
        String where = root ? "available (rootInUserNamespace() works)" : "unprivileged user namespaces allowed: rootless mode works";
        return ok(name, where + (max == null ? "" : "; max " + max));
    }

    private EnvironmentCheck cgroups(boolean root) {
        String name = "cgroups";
        try (CgroupDriver d = CgroupDriver.detect()) {
            Set<Controller> c = d.availableControllers();
            String seen = d.layout() + ", controllers usable: " + c;
            if (!root && !Files.isWritable(ownCgroupDir())) {
                return new EnvironmentCheck(name, Status.LIMITED, seen + "; this user cannot create cgroups: a limit asked for is"
                        + " refused; a default job starts with its pids and memory limits replaced (see 'default job')",
                        "run the JVM in a delegated cgroup v2 (systemd-run --user --scope -p Delegate=yes java ...), or ask for"
                                + " no cgroup limit");
            }
            return ok(name, seen);
        } catch (Exception e) {
            return new EnvironmentCheck(name, Status.MISSING, "no usable cgroup hierarchy: " + e.getMessage(),
                    "mount cgroup2 at /sys/fs/cgroup (or v1 controllers), or ask for no limits with pidsMax(0) and noMemoryLimit()");
        }
    }

    private Path ownCgroupDir() {
        String self = read(proc.resolve("self/cgroup"));
        if (self != null) {
            for (String line : self.split("\n")) {
                if (line.startsWith("0::")) {
                    return sys.resolve("fs/cgroup").resolve(line.substring(3).replaceFirst("^/", ""));
                }
            }
        }
        return sys.resolve("fs/cgroup");
    }

    private EnvironmentCheck seccomp() {
        String status = read(proc.resolve("self/status"));
        String name = "seccomp";
        if (status == null || !status.contains("Seccomp:")) {
            return new EnvironmentCheck(name, Status.MISSING, "the kernel has no seccomp (CONFIG_SECCOMP_FILTER)",
                    "use a kernel with CONFIG_SECCOMP_FILTER=y, or run jobs with seccomp(SeccompPolicy.disabled())");
        }
        if (!Syscalls.supportedArch()) {
            return new EnvironmentCheck(name, Status.MISSING, "filters are built for x86_64; this is " + System.getProperty("os.arch"),
                    "run jobs with seccomp(SeccompPolicy.disabled())");
        }
        return ok(name, "filters available; the default policy is compiled once per JVM");
    }

    private EnvironmentCheck landlock() {
        String lsm = read(sys.resolve("kernel/security/lsm"));
        if (lsm == null) {
            // securityfs not mounted: the kernel's own configuration says which LSMs it starts.
            String config = kernelConfig();
            String cmdline = read(proc.resolve("cmdline"));
            if (config == null) {
                return new EnvironmentCheck("landlock", Status.LIMITED, "unknown: neither " + sys.resolve("kernel/security/lsm")
                        + " nor /proc/config.gz is readable", "mount -t securityfs securityfs /sys/kernel/security");
            }
            boolean built = config.contains("CONFIG_SECURITY_LANDLOCK=y");
            boolean listed = config.lines().anyMatch(l -> l.startsWith("CONFIG_LSM=") && l.contains("landlock"));
            boolean overridden = cmdline != null && cmdline.matches(".*\\blsm=.*") && !cmdline.contains("landlock");
            lsm = built && listed && !overridden ? "landlock (from the kernel configuration)" : "";
        }
        return lsm.contains("landlock") ? ok("landlock", "enabled (LSMs: " + lsm + "); not used by jobs yet")
                : new EnvironmentCheck("landlock", Status.MISSING, "not among the active LSMs: " + lsm,
                        "boot with lsm=landlock,... (not needed by jobs yet)");
    }

    private EnvironmentCheck overlay() {
        String fs = read(proc.resolve("filesystems"));
        boolean loaded = fs != null && fs.contains("\toverlay");
        return loaded ? ok("overlayfs", "available")
                : new EnvironmentCheck("overlayfs", Status.MISSING, "not in /proc/filesystems", "modprobe overlay (not needed by jobs yet)");
    }

    private @Nullable String kernelConfig() {
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(proc.resolve("config.gz")))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static EnvironmentCheck ok(String name, String detail) {
        return new EnvironmentCheck(name, Status.OK, detail, "");
    }

    /**
     * The file's text, trimmed, or null. Read in one large read: a sysctl file under /proc/sys answers a read at a
     * non-zero offset with EOF, so a reader that starts small (as {@code Files.readString} does for a file of size 0)
     * gets only its first byte ("9" of 96362).
     */
    static @Nullable String read(Path p) {
        try (java.io.InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[65536];
            int n = 0;
            for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0; ) {
                n += r;
            }
            return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
