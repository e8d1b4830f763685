package dev.joblet;

import dev.joblet.internal.net.Allow;
import dev.joblet.internal.net.Cidr;
import dev.joblet.internal.net.NetHost;
import dev.joblet.internal.net.PrivateNet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A named private network of jobs: a bridge with the gateway at the CIDR's first address, an address per job
 * (allocated without collisions, released when the job ends), a host name per job (the job's hostname) that
 * every job of the network resolves through its {@code /etc/hosts}. Jobs of different networks cannot reach each
 * other; nothing leaves the network unless its egress allow-list lets it (NAT through the host). Thread-safe.
 *
 * <p>{@link #close()} lets no new job join; the bridge, its rules and files go when the last job has ended. What
 * a JVM that died left is removed by the next JVM that creates a network.
 */
public final class PrivateNetwork extends Network implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Map<String, PrivateNetwork> OPEN = new ConcurrentHashMap<>();

    private final PrivateNet net;

    private PrivateNetwork(PrivateNet net) {
        this.net = net;
    }

    static Optional<PrivateNetwork> lookup(String name) {
        PrivateNetwork n = OPEN.get(name);
        return n == null || n.net.isClosed() ? Optional.empty() : Optional.of(n);
    }

    @Override
    public String name() {
        return net.name();
    }

    /** The network's CIDR, e.g. {@code 10.88.0.0/24}. */
    public String cidr() {
        return net.cidr().toString();
    }

    /** The host's address on the network (the first of the CIDR), known to jobs as {@code gateway}. */
    public String gateway() {
        return Cidr.format(net.gateway());
    }

    /** The egress allow-list, as {@code CIDR} or {@code CIDR:PORT,PORT}; empty: no egress. */
    public List<String> egress() {
        List<String> out = new ArrayList<>();
        net.egress().forEach(a -> out.add(a.toString()));
        return out;
    }

    /** The host names of the jobs on the network now, with their addresses. */
    public Map<String, String> members() {
        return net.members();
    }

    public boolean isClosed() {
        return net.isClosed();
    }

    PrivateNet impl() {
        return net;
    }

    /** No new job may join; the network is removed once its last job has ended. Idempotent. */
    @Override
    public void close() {
        OPEN.remove(name(), this);
        net.close();
    }

    @Override
    public String toString() {
        return "network " + name() + " " + cidr();
    }

    /** Builds a private network. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final Cidr cidr;
        private final List<Allow> egress = new ArrayList<>();
        private int pool = 2;

        Builder(String name, String cidr) {
            dev.joblet.internal.Args.nonNull(name, "network name");
            dev.joblet.internal.Args.nonNull(cidr, "cidr");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("network name (" + name + ") must be 1 to 32 characters: lower-case"
                        + " letters, digits and '-', starting with a letter or digit");
            }
            this.name = name;
            this.cidr = Cidr.parse("cidr", cidr);
            if (this.cidr.prefix() < 8 || this.cidr.prefix() > 29) {
                throw new IllegalArgumentException("cidr (" + cidr + ") must be /8 to /29: " + (this.cidr.prefix() > 29
                        ? "too small for a gateway and jobs" : "too large"));
            }
        }

        /**
         * Lets jobs of the network reach {@code cidr} (NAT through the host), on {@code ports} (TCP and UDP) or on
         * every port when none are given. The host's own address on the network ({@link #gateway()}) can be allowed
         * too. Repeatable.
         */
        public Builder allowEgress(String cidr, int... ports) {
            dev.joblet.internal.Args.nonNull(cidr, "egress cidr");
            dev.joblet.internal.Args.nonNull(ports, "egress ports");
            List<Integer> list = new ArrayList<>();
            for (int p : ports) {
                list.add(p);
            }
            egress.add(new Allow(Cidr.parse("egress cidr", cidr), list));
            return this;
        }

        /**
         * How many network namespaces the network keeps ready (veth on the bridge, address and route set), so that
         * a job's start does not wait for them to be made; 0 makes each when its job starts. Each holds one of the
         * network's addresses until a job takes it (jobs take pooled ones first, so none is lost). Default 2.
         */
        public Builder pool(int size) {
            if (size < 0 || size > 64) {
                throw new IllegalArgumentException("pool (" + size + ") must be 0 to 64");
            }
            this.pool = size;
            return this;
        }

        /** Creates the network on this host. */
        public PrivateNetwork create() throws JobletException {
            if (dev.joblet.internal.HostFacts.euid() != 0) {
                throw new JobStartException("cannot create network " + name + ": private networks need root (bridges,"
                        + " veth pairs and nftables rules in the host's network namespace); this process runs as uid "
                        + dev.joblet.internal.HostFacts.euid(), "create network " + name, "EPERM", false, null);
            }
            Joblet.system(); // its close (at the latest its shutdown hook) removes this JVM's networks
            try {
                PrivateNetwork n = new PrivateNetwork(NetHost.get().create(name, cidr, egress, pool));
                OPEN.put(name, n);
                return n;
            } catch (IOException e) {
                throw new JobletException("cannot create network " + name + " " + cidr + ": " + e.getMessage(), e);
            }
        }
    }
}
