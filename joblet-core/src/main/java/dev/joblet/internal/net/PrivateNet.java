package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One private network: a bridge in the host's namespace holding the gateway address (the first of the CIDR),
 * an address allocator, and a hosts file that every job of the network sees as its {@code /etc/hosts}.
 * Thread-safe. Closing stops new jobs from joining; the bridge, rules and files go with the last job.
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
    private int attached;
    private boolean closed;
    private boolean removed;

    PrivateNet(NetHost host, String name, Cidr cidr, List<Allow> egress) {
        this.host = host;
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

    void createBridge() throws IOException {
        Files.createDirectories(stateDir);
        writeHosts();
        try {
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

    /**
     * Gives a job an address and a host name on this network and prepares its network namespace.
     *
     * @throws IllegalStateException when the network is closed or full, or the host name is taken
     */
    NetHost host() {
        return host;
    }

    public Attachment attach(String jobId, String hostname) throws IOException {
        int offset;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("network " + name + " is closed");
            }
            if (hosts.containsKey(hostname)) {
                throw new IllegalStateException("host name " + hostname + " is in use on network " + name);
            }
            offset = used.nextClearBit(0);
            if (offset >= cidr.size()) {
                throw new IllegalStateException("network " + name + " (" + cidr + ") has no free address");
            }
            used.set(offset);
            hosts.put(hostname, cidr.address(offset));
            attached++;
            writeHostsQuietly();
        }
        Attachment a = new Attachment(this, jobId, hostname, cidr.address(offset));
        try {
            a.setUp();
        } catch (IOException | RuntimeException e) {
            detach(a);
            throw e;
        }
        return a;
    }

    /** Releases the job's address and name; removes the network if it was closed and this was its last job. */
    void detach(Attachment a) {
        boolean last;
        synchronized (this) {
            used.clear(a.address() - cidr.base());
            hosts.remove(a.hostname());
            attached--;
            writeHostsQuietly();
            last = closed && attached == 0 && !removed;
            if (last) {
                removed = true;
            }
        }
        if (last) {
            host.removed(this);
        }
    }

    /** No job may join any more; the network goes once its jobs have. Idempotent. */
    public void close() {
        boolean now;
        synchronized (this) {
            closed = true;
            now = attached == 0 && !removed;
            if (now) {
                removed = true;
            }
        }
        if (now) {
            host.removed(this);
        }
    }

    /** At JVM exit: the network goes whether or not jobs (being killed by the helpers' lifelines) remain. */
    void forceRemove() {
        synchronized (this) {
            closed = true;
            if (removed) {
                return;
            }
            removed = true;
        }
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
        StringBuilder s = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
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
