package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's place on a private network: a persistent network namespace ({@code /run/netns/joblet-TAG-JOB}), made
 * before the job starts, with {@code eth0} (the job's end of a veth pair whose other end is a port of the bridge),
 * the job's address and a default route through the gateway. The helper joins it with setns(). Thread-safe;
 * {@link #close()} removes the namespace and the veth pair and releases the address.
 */
public final class Attachment implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Attachment.class);

    private final PrivateNet network;
    private final String hostname;
    private final int address;
    private final String netns;
    private final String veth;
    private final AtomicBoolean closed = new AtomicBoolean();

    Attachment(PrivateNet network, String jobId, String hostname, int address) {
        this.network = network;
        this.hostname = hostname;
        this.address = address;
        String shortId = jobId.replace("-", "").substring(0, 8);
        this.netns = "joblet-" + network.host().owner().tag() + "-" + shortId;
        this.veth = "jve-" + shortId;
    }

    void setUp() throws IOException {
        try {
            Tools.ipBatch("", List.of(
                    "netns add " + netns,
                    "link add " + veth + " type veth peer name eth0 netns " + netns,
                    "link set dev " + veth + " alias " + network.host().owner().alias(),
                    "link set " + veth + " master " + network.bridge() + " up"), false);
            Tools.ipBatch(netns, List.of(
                    "addr add " + Cidr.format(address) + "/" + network.cidr().prefix() + " dev eth0",
                    "link set eth0 up",
                    "route add default via " + Cidr.format(network.gateway())), false);
        } catch (IOException e) {
            tearDown();
            throw e;
        }
        log.debug("{}: {} at {} in {}", network, hostname, Cidr.format(address), netns);
    }

    public PrivateNet network() {
        return network;
    }

    public String hostname() {
        return hostname;
    }

    public int address() {
        return address;
    }

    /** The namespace for the helper to join. */
    public Path netnsPath() {
        return NetHost.NETNS_DIR.resolve(netns);
    }

    /** The hosts file to bind over the job's {@code /etc/hosts}. */
    public Path hostsFile() {
        return network.hostsFile();
    }

    private void tearDown() {
        try {
            Tools.ipBatch("", List.of("link del " + veth, "netns del " + netns), true);
        } catch (IOException e) {
            log.warn("{}: cannot remove {} / {}: {}", network, veth, netns, e.getMessage());
        }
    }

    /** Removes the namespace and veth pair and releases the address and name. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            tearDown();
            network.detach(this);
        }
    }
}
