package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's place on a private network: a persistent network namespace ({@code /run/netns/joblet-TAG-ID}) with
 * {@code eth0} (the job's end of a veth pair whose other end is a port of the bridge), an address and a default
 * route through the gateway. Made ahead of time (a network keeps a few ready, see {@link PrivateNet}) and claimed
 * by a job, which joins it with setns(); used once, never handed to a second job. Thread-safe; {@link #release()}
 * removes the namespace and the veth pair, then frees the address.
 */
public final class Attachment {
    private static final Logger log = LoggerFactory.getLogger(Attachment.class);

    private final PrivateNet network;
    private final int address;
    private final String netns;
    private final String veth;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile String hostname = "";

    Attachment(PrivateNet network, int address) {
        this.network = network;
        this.address = address;
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        this.netns = "joblet-" + network.host().owner().tag() + "-" + id;
        this.veth = "jve-" + id;
    }

    /** Two {@code ip -batch} runs: the namespace and the veth pair on the bridge; then, inside, address and route. */
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
            tearDownNow();
            throw e;
        }
        log.debug("{}: {} ready in {}", network, Cidr.format(address), netns);
    }

    void claim(String name) {
        this.hostname = name;
    }

    public PrivateNet network() {
        return network;
    }

    /** The job's host name on the network; empty while the attachment waits in the network's pool. */
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

    String netnsName() {
        return netns;
    }

    String vethName() {
        return veth;
    }

    /** The hosts file to bind over the job's {@code /etc/hosts}. */
    public Path hostsFile() {
        return network.hostsFile();
    }

    /** Synchronously, for failures during setup and the JVM's exit. */
    void tearDownNow() {
        try {
            Tools.ipBatch("", List.of("link del " + veth, "netns del " + netns), true);
        } catch (IOException e) {
            log.warn("{}: cannot remove {} / {}: {}", network, veth, netns, e.getMessage());
        }
    }

    /**
     * Frees the host name at once; removes the namespace and veth pair in the background (the kernel takes tens of
     * milliseconds to unregister a device), then frees the address. The future completes when all of that is done.
     * Idempotent: later calls return a completed future.
     */
    public CompletableFuture<Void> release() {
        if (!released.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        network.unname(this);
        return network.host().reaper().remove(this).whenComplete((v, e) -> network.detach(this));
    }
}
