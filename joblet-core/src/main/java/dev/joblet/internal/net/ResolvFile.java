package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A private network's {@code /etc/resolv.conf}: the host's, with only the nameservers a job of the network can
 * reach. A job's default route goes through the gateway, so a nameserver its network may not reach looks reachable
 * and its queries are dropped unanswered: glibc's {@code files dns} lookup of a member's name then waits twice 5 s
 * for the AAAA answer that the hosts file (IPv4 only) lacks. Without such a server the file names none, glibc asks
 * the job's own loopback, which refuses at once, and names resolve from the hosts file in milliseconds. Kept: IPv4
 * nameservers off loopback that the egress allow-list lets through on port 53 (or every port), and every other line
 * (search, options). Stateless.
 */
final class ResolvFile {
    private static final Path HOST = Path.of("/etc/resolv.conf");

    private ResolvFile() {}

    /** The host's file, or empty when it has none or it cannot be read. */
    static String hostText() {
        try {
            return Files.readString(HOST);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The file for network {@code name} with {@code egress}, from the host's {@code hostText}. */
    static String forNetwork(String name, String hostText, List<Allow> egress) {
        StringBuilder kept = new StringBuilder();
        StringBuilder dropped = new StringBuilder();
        for (String line : hostText.split("\n", -1)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals("nameserver")) {
                if (reachable(f[1], egress)) {
                    kept.append(line).append('\n');
                } else {
                    dropped.append(dropped.length() == 0 ? "" : " ").append(f[1]);
                }
            } else if (!line.isEmpty()) {
                kept.append(line).append('\n');
            }
        }
        String head = "# network " + name + ": the host's resolv.conf with the nameservers its jobs can reach\n";
        if (dropped.length() > 0) {
            head += "# left out, its egress does not reach them on port 53: " + dropped + "\n";
        }
        return head + kept;
    }

    private static boolean reachable(String address, List<Allow> egress) {
        Cidr a;
        try {
            a = Cidr.parse("nameserver", address);
        } catch (IllegalArgumentException e) {
            return false; // IPv6 (the network has none) or malformed
        }
        if ((a.base() >>> 24) == 127) {
            return false; // the host's loopback is not the job's
        }
        for (Allow e : egress) {
            if (e.cidr().contains(a.base()) && (e.ports().isEmpty() || e.ports().contains(53))) {
                return true;
            }
        }
        return false;
    }
}
