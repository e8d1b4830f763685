package dev.joblet;

import java.util.Optional;

/**
 * A job's network: {@link #NONE} (the default), {@link #HOST}, or a {@link PrivateNetwork} made with
 * {@link #create} or {@link #builder}. Immutable and thread-safe (a private network's membership changes as jobs
 * come and go, safely).
 */
public abstract class Network {
    /** A network namespace of its own with only loopback, up (the default). */
    public static final Network NONE = new Mode("NONE");
    /** The host's network namespace, shared: an explicit opt-in that removes network isolation. */
    public static final Network HOST = new Mode("HOST");

    Network() {}

    /**
     * Creates a private network on {@link Joblet#system()} (see {@link Joblet#createNetwork} for another instance): jobs on it reach each other by address and by host name, and nothing else (no
     * egress); see {@link #builder} for an egress allow-list.
     *
     * @param name 1 to 32 characters: lower-case letters, digits and '-', unique among the instance's networks
     * @param cidr an IPv4 network such as {@code 10.88.0.0/24}, from /8 to /29, overlapping neither another
     *     network nor a route of this host
     * @throws IllegalArgumentException for a bad, taken or overlapping name or CIDR
     * @throws JobletException when the host cannot create it (not root, iproute2 or nftables missing)
     */
    public static PrivateNetwork create(String name, String cidr) throws JobletException {
        return builder(name, cidr).create();
    }

    /** A builder for a private network, for options such as {@link PrivateNetwork.Builder#allowEgress}. */
    public static PrivateNetwork.Builder builder(String name, String cidr) {
        return new PrivateNetwork.Builder(name, cidr);
    }

    /** The open private network of {@link Joblet#system()} with that name ({@link Joblet#network} for another). */
    public static Optional<PrivateNetwork> named(String name) {
        Joblet system = Joblet.systemIfMade();
        return system == null ? Optional.empty() : system.network(name);
    }

    /** NONE, HOST, or the private network's name. */
    public abstract String name();

    private static final class Mode extends Network {
        private final String name;

        Mode(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
