package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One private network: a bridge in the host's namespace holding the gateway address (the first of the CIDR),
 * an address allocator, and a hosts file that every job of the network sees as its {@code /etc/hosts}.
 * Thread-safe. Closing stops new jobs from joining; the bridge, rules and files go with the last job.
 *
 * <p>A job's start does not wait for {@code ip}: the network keeps a pool of ready namespaces (veth on the bridge,
 * address and route set, see {@link Attachment}), filled by its host's {@link dev.joblet.internal.Prefill} as soon as
 * the network is created and topped up after every take (a failure is retried after a delay). A pooled namespace holds its address; jobs take the lowest pooled
 * address, so sequential jobs still get addresses in order. Used namespaces are never reused (a job could leave
 * state in one); they are removed in the background by the {@link Reaper}.
 */
public final class PrivateNet {
    private static final Logger log = LoggerFactory.getLogger(PrivateNet.class);

    private final NetHost host;
    private final String name;
    private final Cidr cidr;
    private final List<Allow> egress;
    private final String bridge;
    private final Path stateDir;
    private final BitSet used = new BitSet();
    /** Host name to address, in the order jobs joined. Guarded by this. */
    private final Map<String, Integer> hosts = new LinkedHashMap<>();
    /** Addresses reserved: the pool's and the jobs' namespaces, including those being made or removed. */
    private int attached;
    private final int poolSize;
    private boolean closed;
    private boolean removed;

    PrivateNet(NetHost host, String name, Cidr cidr, List<Allow> egress, int poolSize) {
        this.host = host;
        this.poolSize = poolSize;
        this.name = name;
        this.cidr = cidr;
        this.egress = List.copyOf(egress);
        this.bridge = "jbr-" + UUID.randomUUID().toString().substring(0, 8);
        this.stateDir = NetHost.STATE_DIR.resolve("joblet-" + host.owner().tag() + "-" + name);
        used.set(0); // network address
        used.set(1); // gateway
        used.set((int) cidr.size() - 1); // broadcast
    }

    public String name() {
        return name;
    }

    public Cidr cidr() {
        return cidr;
    }

    public List<Allow> egress() {
        return egress;
    }

    public String bridge() {
        return bridge;
    }

    public int gateway() {
        return cidr.address(1);
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    Path hostsFile() {
        return stateDir.resolve("hosts");
    }

    /** The resolver configuration every job of the network sees as its {@code /etc/resolv.conf}: see {@link ResolvFile}. */
    public Path resolvFile() {
        return stateDir.resolve("resolv.conf");
    }

    void createBridge() throws IOException {
        Files.createDirectories(stateDir);
        try {
            writeHosts();
            Files.writeString(resolvFile(), ResolvFile.forNetwork(name, ResolvFile.hostText(), egress));
            Tools.ipBatch("", List.of(
                    "link add " + bridge + " type bridge",
                    "link set dev " + bridge + " alias " + host.owner().alias(),
                    "addr add " + Cidr.format(gateway()) + "/" + cidr.prefix() + " dev " + bridge,
                    "link set " + bridge + " up"), false);
        } catch (IOException e) {
            removeBridge();
            throw e;
        }
        log.debug("network {}: bridge {} gateway {}", name, bridge, Cidr.format(gateway()));
    }

    void removeBridge() {
        try {
            Tools.ipBatch("", List.of("link del " + bridge), true);
        } catch (IOException e) {
            log.warn("network {}: cannot delete bridge {}: {}", name, bridge, e.getMessage());
        }
        try {
            deleteTree(stateDir);
        } catch (IOException e) {
            log.warn("network {}: cannot delete {}: {}", name, stateDir, e.getMessage());
        }
    }

    NetHost host() {
        return host;
    }

    /**
     * Gives a job an address and a host name on this network: a ready namespace from the pool (the lowest address
     * there), or one made now when the pool is empty; then tops the pool up in the background.
     *
     * @throws IllegalStateException when the network is closed or full, or the host name is taken
     */
    public Attachment attach(String hostname) throws IOException {
        synchronized (this) {
            check(hostname);
        }
        Attachment a = host.pool().take(this); // also tops the pool up
        while (a == null && host.pool().isMaking(this)) { // one is nearly ready: addresses stay in order
            try {
                host.pool().awaitMaking(this, true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for a network namespace", e);
            }
            a = host.pool().take(this); // null when a concurrent attach took it first: wait for the next
        }
        int offset = -1;
        synchronized (this) {
            try {
                check(hostname);
            } catch (IllegalStateException e) {
                if (a != null) {
                    a.release(); // taken from the pool for a join that cannot be
                }
                throw e;
            }
            if (a == null) {
                offset = reserve();
                if (offset < 0) {
                    throw new IllegalStateException("network " + name + " (" + cidr + ") has no free address");
                }
                a = new Attachment(this, cidr.address(offset));
            }
            a.claim(hostname);
            hosts.put(hostname, a.address());
            writeHostsQuietly();
        }
        if (offset >= 0) {
            try {
                a.setUp();
            } catch (IOException | RuntimeException e) {
                unname(a);
                detach(a);
                throw e;
            }
        }
        return a;
    }

    private void check(String hostname) {
        if (closed) {
            throw new IllegalStateException("network " + name + " is closed");
        }
        if (hosts.containsKey(hostname)) {
            throw new IllegalStateException("host name " + hostname + " is in use on network " + name);
        }
    }

    /** The lowest free address's offset, now counted as attached; -1 when none is free. Guarded by this. */
    private int reserve() {
        int offset = used.nextClearBit(0);
        if (offset >= cidr.size()) {
            return -1;
        }
        used.set(offset);
        attached++;
        return offset;
    }

    /** How many ready namespaces the pool keeps for this network now: none once it is closed. */
    synchronized int poolTarget() {
        return closed ? 0 : poolSize;
    }

    /**
     * One ready namespace for the pool (on its filler thread): the lowest free address, its namespace and veth set
     * up. Nothing of it remains when it fails.
     *
     * @throws IOException when no address is free or {@code ip} fails
     */
    Attachment makeAttachment() throws IOException {
        int offset;
        synchronized (this) {
            if (closed) {
                throw new IOException("network " + name + " is closed");
            }
            offset = reserve();
        }
        if (offset < 0) {
            throw new IOException("network " + name + " (" + cidr + ") has no free address for its pool");
        }
        Attachment a = new Attachment(this, cidr.address(offset));
        try {
            a.setUp();
        } catch (IOException | RuntimeException e) {
            detach(a);
            throw e;
        }
        return a;
    }

    /** Takes the job's host name off the network (its address stays taken until its namespace has gone). */
    synchronized void unname(Attachment a) {
        if (hosts.remove(a.hostname(), a.address())) {
            writeHostsQuietly();
        }
    }

    /** Releases the address; removes the network if it was closed and this was its last attachment. */
    void detach(Attachment a) {
        boolean last;
        synchronized (this) {
            used.clear(a.address() - cidr.base());
            attached--;
            last = closed && attached == 0 && !removed;
            if (last) {
                removed = true;
            }
        }
        if (last) {
            host.removed(this);
        }
    }

    /**
     * No job may join any more; the pool's namespaces are removed now, and the network (bridge, rules, files) as
     * well when no job is on it, else once the last has gone. Idempotent.
     */
    public void close() {
        synchronized (this) {
            closed = true; // the pool's target is 0 from now: it makes no more
        }
        try {
            host.pool().awaitMaking(this, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Attachment> drained = host.pool().forget(this);
        List<CompletableFuture<Void>> gone = new ArrayList<>();
        drained.forEach(a -> gone.add(a.release()));
        CompletableFuture.allOf(gone.toArray(new CompletableFuture<?>[0])).join();
        boolean now;
        synchronized (this) {
            now = attached == 0 && !removed;
            if (now) {
                removed = true;
            }
        }
        if (now) {
            host.removed(this);
        }
    }

    /** No job may join any more, and the pool makes no more for it (its owner is closing). */
    synchronized void stopJoining() {
        closed = true;
    }

    /** At its owner's close: the network goes whether or not jobs (of other instances, or being killed) remain. */
    void forceRemove() {
        synchronized (this) {
            closed = true;
            if (removed) {
                return;
            }
            removed = true;
        }
        host.pool().forget(this).forEach(Attachment::tearDownNow);
        host.removed(this);
    }

    /** The host names and addresses of the jobs on this network now. */
    public synchronized Map<String, String> members() {
        Map<String, String> out = new LinkedHashMap<>();
        hosts.forEach((h, a) -> out.put(h, Cidr.format(a)));
        return out;
    }

    private void writeHostsQuietly() {
        try {
            writeHosts();
        } catch (IOException e) {
            log.warn("network {}: cannot update {}: {}", name, hostsFile(), e.getMessage());
        }
    }

    /** Rewritten in place: jobs see it through a bind mount of this very inode, so it must never be replaced. */
    private synchronized void writeHosts() throws IOException {
        StringBuilder s = new StringBuilder(HostsFile.LOOPBACK);
        s.append(Cidr.format(gateway())).append("\tgateway\n");
        hosts.forEach((h, a) -> s.append(Cidr.format(a)).append('\t').append(h).append('\n'));
        try (FileChannel ch = FileChannel.open(hostsFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(s.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            ch.truncate(b.limit());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "network " + name + " " + cidr;
    }
}
