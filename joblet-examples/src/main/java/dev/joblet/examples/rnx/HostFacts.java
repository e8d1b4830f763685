package dev.joblet.examples.rnx;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What {@code rnx monitor} shows of the host, read from {@code /proc} and {@code /sys}: CPU, memory, disks, network
 * interfaces, cgroup layout. Each record is an immutable snapshot; reading one never fails the command (what cannot
 * be read is -1 or empty).
 */
final class HostFacts {
    private HostFacts() {}

    /** The busy and total jiffies of /proc/stat's "cpu" line: two of them give the usage between them. */
    record CpuTimes(long busy, long total) {
        static CpuTimes read() {
            for (String line : lines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    long total = 0;
                    for (int i = 1; i < f.length && i <= 8; i++) {
                        total += Long.parseLong(f[i]);
                    }
                    long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
                    return new CpuTimes(total - idle, total);
                }
            }
            return new CpuTimes(-1, -1);
        }

        /** Percent of all CPUs busy from {@code before} to this, or -1. */
        double percentSince(CpuTimes before) {
            long dt = total - before.total;
            return before.total < 0 || dt <= 0 ? -1 : 100.0 * (busy - before.busy) / dt;
        }
    }

    /** {@code cpus} online, the 1/5/15-minute load, and the busy percent over the sampling interval. */
    record Cpu(int cpus, double load1, double load5, double load15, double usagePercent) {
        static Cpu read(CpuTimes before, CpuTimes after) {
            String[] l = String.join(" ", lines(Path.of("/proc/loadavg"))).trim().split("\\s+");
            double[] load = {-1, -1, -1};
            for (int i = 0; i < 3 && i < l.length; i++) {
                load[i] = parse(l[i]);
            }
            return new Cpu(Runtime.getRuntime().availableProcessors(), load[0], load[1], load[2],
                    after.percentSince(before));
        }
    }

    /** /proc/meminfo's total and available memory, and swap, in bytes (-1 when absent). */
    record Memory(long totalBytes, long availableBytes, long swapTotalBytes, long swapFreeBytes) {
        static Memory read() {
            long total = -1, avail = -1, swapTotal = -1, swapFree = -1;
            for (String line : lines(Path.of("/proc/meminfo"))) {
                String[] f = line.split("[:\\s]+");
                if (f.length < 2) {
                    continue;
                }
                long bytes = ((long) parse(f[1])) * 1024;
                switch (f[0]) {
                    case "MemTotal": total = bytes; break;
                    case "MemAvailable": avail = bytes; break;
                    case "SwapTotal": swapTotal = bytes; break;
                    case "SwapFree": swapFree = bytes; break;
                    default: break;
                }
            }
            return new Memory(total, avail, swapTotal, swapFree);
        }
    }

    /** The filesystem holding {@code path} (its nearest existing ancestor when it does not exist yet). */
    record Disk(String role, Path path, String filesystem, long totalBytes, long usableBytes) {
        static Disk of(String role, Path path) {
            Path p = path.toAbsolutePath();
            while (p != null && !Files.exists(p)) {
                p = p.getParent();
            }
            try {
                FileStore fs = Files.getFileStore(p == null ? Path.of("/") : p);
                return new Disk(role, path, fs.type(), fs.getTotalSpace(), fs.getUsableSpace());
            } catch (IOException e) {
                return new Disk(role, path, "?", -1, -1);
            }
        }
    }

    /** An interface that is up: its addresses and its byte counters from /sys/class/net. */
    record Interface(String name, List<String> addresses, long rxBytes, long txBytes) {
        static List<Interface> read() {
            List<Interface> out = new ArrayList<>();
            try {
                for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    if (!n.isUp()) {
                        continue;
                    }
                    List<String> addrs = new ArrayList<>();
                    for (InetAddress a : Collections.list(n.getInetAddresses())) {
                        String s = a.getHostAddress();
                        int pct = s.indexOf('%');
                        addrs.add(pct < 0 ? s : s.substring(0, pct));
                    }
                    Path stats = Path.of("/sys/class/net", n.getName(), "statistics");
                    out.add(new Interface(n.getName(), addrs, number(stats.resolve("rx_bytes")),
                            number(stats.resolve("tx_bytes"))));
                }
            } catch (SocketException e) {
                return out;
            }
            out.sort((a, b) -> a.name.compareTo(b.name));
            return out;
        }
    }

    /**
     * The cgroup layout (v2, hybrid, v1), this process's own cgroup (the v2 path, or the v1 memory hierarchy's), and the
     * controllers it can use there (v2: its cgroup.controllers; v1: the mounted hierarchies).
     */
    record Cgroups(String layout, String own, List<String> controllers) {
        static Cgroups read() {
            Path root = Path.of("/sys/fs/cgroup");
            boolean v2root = Files.exists(root.resolve("cgroup.controllers"));
            boolean unified = Files.exists(root.resolve("unified/cgroup.controllers"));
            String v2path = null;
            String memoryPath = null;
            List<String> v1 = new ArrayList<>();
            for (String line : lines(Path.of("/proc/self/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3) {
                    continue;
                }
                if (f[0].equals("0") && f[1].isEmpty()) {
                    v2path = f[2];
                } else if (!f[1].isEmpty()) {
                    for (String c : f[1].split(",")) {
                        if (!c.startsWith("name=")) {
                            v1.add(c);
                        }
                        if (c.equals("memory")) {
                            memoryPath = f[2];
                        }
                    }
                }
            }
            if (v2root && v1.isEmpty()) {
                String own = v2path == null ? "/" : v2path;
                String ctl = String.join(" ", lines(root.resolve(own.substring(1)).resolve("cgroup.controllers"))).trim();
                return new Cgroups("v2", own, ctl.isEmpty() ? List.of() : List.of(ctl.split("\\s+")));
            }
            Collections.sort(v1);
            String own = memoryPath != null ? memoryPath : v2path != null ? v2path : "?";
            return new Cgroups(unified || v2path != null ? "hybrid" : v1.isEmpty() ? "none" : "v1", own, v1);
        }
    }

    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static long number(Path file) {
        List<String> l = lines(file);
        return l.isEmpty() ? -1 : (long) parse(l.get(0).trim());
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** "1.5 GiB", "-" for an unknown figure. */
    static String bytes(long b) {
        if (b < 0) {
            return "-";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? b + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String orDash(@Nullable String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
