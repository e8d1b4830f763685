package dev.joblet;

import dev.joblet.internal.net.Allow;
import dev.joblet.internal.net.Cidr;
import dev.joblet.internal.net.PrivateNet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A named private network of jobs: a bridge with the gateway at the CIDR's first address, an address per job
 * (allocated without collisions, released when the job ends), a host name per job (the job's hostname) that
 * every job of the network resolves through its {@code /etc/hosts}. Jobs of different networks cannot reach each
 * other; nothing leaves the network unless its egress allow-list lets it (NAT through the host). Thread-safe.
 *
 * <p>A network belongs to the {@link Joblet} that created it ({@link Joblet#createNetwork}, or
 * {@link Builder#create(Joblet)}; {@link Network#create} uses {@link Joblet#system()}): its name is unique among
 * that instance's networks (another instance may use it too, never with an overlapping CIDR), and the instance's
 * close removes it. Jobs of any instance may join it.
 *
 * <p>{@link #close()} lets no new job join; the bridge, its rules and files go when the last job has ended, at the
 * latest with its instance. What a JVM that died left is removed by the next instance that creates a network.
 */
public final class PrivateNetwork extends Network implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    private final PrivateNet net;
    private final JobletNetworks owner;

    PrivateNetwork(PrivateNet net, JobletNetworks owner) {
        this.net = net;
        this.owner = owner;
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
        owner.closed(this);
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

        /** Creates the network on {@link Joblet#system()}; as {@link #create(Joblet)}. */
        public PrivateNetwork create() throws JobletException {
            return create(Joblet.system());
        }

        /**
         * Creates the network on this host, owned by {@code joblet} (its name unique among that instance's networks;
         * its close removes it).
         *
         * @throws IllegalArgumentException when the name is taken or the CIDR overlaps a network or route of the host
         * @throws IllegalStateException when {@code joblet} is closed
         * @throws JobletException when the host cannot create it (not root, iproute2 or nftables missing)
         */
        public PrivateNetwork create(Joblet joblet) throws JobletException {
            dev.joblet.internal.Args.nonNull(joblet, "joblet");
            if (dev.joblet.internal.HostFacts.euid() != 0) {
                throw new JobStartException("cannot create network " + name + ": private networks need root (bridges,"
                        + " veth pairs and nftables rules in the host's network namespace); this process runs as uid "
                        + dev.joblet.internal.HostFacts.euid(), "create network " + name, "EPERM", false, null);
            }
            return joblet.networks().create(name, cidr, egress, pool);
        }
    }
}
