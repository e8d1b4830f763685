package dev.joblet.internal.net;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One entry of an egress allow-list: destinations in {@code cidr}, on {@code ports} (TCP and UDP), or on every
 * port and protocol when {@code ports} is empty. Immutable.
 */
public record Allow(Cidr cidr, List<Integer> ports) {
    public Allow {
        ports = List.copyOf(ports);
        for (int p : ports) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("egress port (" + p + ") must be 1 to 65535");
            }
        }
    }

    /** The nft match for this entry, after {@code ip daddr}. */
    String nftMatches(String prefix) {
        if (ports.isEmpty()) {
            return prefix + " ip daddr " + cidr + " accept\n";
        }
        String set = ports.stream().map(String::valueOf).collect(Collectors.joining(", ", "{ ", " }"));
        return prefix + " ip daddr " + cidr + " tcp dport " + set + " accept\n"
                + prefix + " ip daddr " + cidr + " udp dport " + set + " accept\n";
    }

    @Override
    public String toString() {
        return ports.isEmpty() ? cidr.toString() : cidr + ":" + ports.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
