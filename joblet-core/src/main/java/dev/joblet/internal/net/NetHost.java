package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.joblet.internal.Prefill;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code Joblet} instance's private networks and the host state they share: one nftables table
 * ({@code inet joblet_PID_START_HEX}, the {@link Owner}'s tag) rebuilt atomically whenever a network comes or goes,
 * its record in {@code /run/joblet/ip_forward} while a network has egress, the networks' state directories, the
 * pool of ready namespaces ({@code joblet-net-pool}) and their remover ({@code joblet-net-reaper}); and the sweep of
 * what a dead JVM left (run before this host's first network). Network names are this host's own: another
 * instance may use the same name (its objects carry its own tag), but never an overlapping CIDR (each network's
 * bridge routes its CIDR on the host, which {@link #create} checks). Made on an instance's first network, closed
 * by its close. Thread-safe (one lock).
 */
public final class NetHost {
    private static final Logger log = LoggerFactory.getLogger(NetHost.class);
    static final Path NETNS_DIR = Path.of("/run/netns");
    static final Path STATE_DIR = Path.of("/run/joblet/net");
    static final Path FORWARD_DIR = Path.of("/run/joblet/ip_forward");
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");
    /** An owner's tag, with or without its instance part (names made before instances had one). */
    private static final String TAG = "(\\d+%1$s\\d+(?:%1$s[0-9a-f]{8})?)";
    private static final Pattern LINK = Pattern.compile("^\\d+: ([^:@\\s]+)(?:@\\S+)?:.*\\balias joblet:"
            + String.format(TAG, ":"), Pattern.MULTILINE);
    private static final Pattern TABLE = Pattern.compile("^table inet joblet_" + String.format(TAG, "_") + "$",
            Pattern.MULTILINE);
    private static final Pattern OWNED = Pattern.compile("joblet-" + String.format(TAG, "_") + "-.*");

    private final Owner owner;
    private final Map<String, PrivateNet> networks = new LinkedHashMap<>();
    private final Reaper reaper = new Reaper();
    private final Forwarding forwarding;
    /** The networks' ready namespaces, per network, made on one thread ({@code joblet-net-pool}). */
    private final Prefill<PrivateNet, Attachment> pool = new Prefill<>("joblet-net-pool", PrivateNet::makeAttachment,
            Attachment::release, PrivateNet::poolTarget, Long.MAX_VALUE, Comparator.comparingInt(Attachment::address), 0);
    private boolean started;
    private boolean closed;

    /** A host of networks with an owner tag of its own; makes nothing until its first network. */
    public NetHost() {
        this.owner = Owner.self();
        this.forwarding = new Forwarding(FORWARD_DIR, IP_FORWARD, owner);
    }

    Owner owner() {
        return owner;
    }

    Reaper reaper() {
        return reaper;
    }

    /** The networks' pools of ready namespaces (lowest address first). */
    Prefill<PrivateNet, Attachment> pool() {
        return pool;
    }

    String table() {
        return "joblet_" + owner.tag();
    }

    /** Creates and registers a network: its bridge, gateway address and rules. */
    public synchronized PrivateNet create(String name, Cidr cidr, List<Allow> egress, int poolSize) throws IOException {
        if (closed) {
            throw new IllegalStateException("cannot create network " + name + ": this Joblet is closed");
        }
        start();
        PrivateNet existing = networks.get(name);
        if (existing != null) {
            throw new IllegalArgumentException("network name (" + name + ") is in use"
                    + (existing.isClosed() ? " by a network that is closing (jobs still run on it)" : ""));
        }
        for (PrivateNet n : networks.values()) {
            if (n.cidr().overlaps(cidr)) {
                throw new IllegalArgumentException("cidr (" + cidr + ") overlaps " + n.cidr() + " of network " + n.name());
            }
        }
        for (Cidr route : hostRoutes()) {
            if (route.overlaps(cidr)) {
                throw new IllegalArgumentException("cidr (" + cidr + ") overlaps " + route + ", a network this host already routes");
            }
        }
        PrivateNet net = new PrivateNet(this, name, cidr, egress, poolSize);
        net.createBridge();
        networks.put(name, net);
        try {
            applyRules();
        } catch (IOException e) {
            networks.remove(name);
            net.removeBridge();
            throw e;
        }
        pool.take(net); // none is ready yet: this starts the filling
        return net;
    }

    public synchronized Optional<PrivateNet> find(String name) {
        PrivateNet n = networks.get(name);
        return n == null || n.isClosed() ? Optional.empty() : Optional.of(n);
    }

    /** Called by a network whose last job has gone after close(): removes it and its rules. */
    synchronized void removed(PrivateNet net) {
        if (networks.get(net.name()) != net) {
            return;
        }
        networks.remove(net.name());
        try {
            applyRules();
        } catch (IOException e) {
            log.warn("network {}: cannot update nftables table {}: {}", net.name(), table(), e.getMessage());
        }
        net.removeBridge();
    }

    /** The whole table, rebuilt in one nft transaction (or deleted when no network is left). */
    private void applyRules() throws IOException {
        String t = "table inet " + table();
        StringBuilder s = new StringBuilder(t).append("\ndelete ").append(t).append('\n');
        boolean egress = false;
        if (!networks.isEmpty()) {
            StringBuilder fwd = new StringBuilder();
            StringBuilder in = new StringBuilder();
            StringBuilder nat = new StringBuilder();
            for (PrivateNet n : networks.values()) {
                String b = "\"" + n.bridge() + "\"";
                fwd.append("    iifname ").append(b).append(" oifname ").append(b).append(" accept\n");
                in.append("    iifname ").append(b).append(" ct state established,related accept\n");
                for (Allow a : n.egress()) {
                    fwd.append(a.nftMatches("    iifname " + b));
                    in.append(a.nftMatches("    iifname " + b));
                }
                fwd.append("    iifname ").append(b).append(" drop\n");
                fwd.append("    oifname ").append(b).append(" ct state established,related accept\n");
                fwd.append("    oifname ").append(b).append(" drop\n");
                in.append("    iifname ").append(b).append(" drop\n");
                if (!n.egress().isEmpty()) {
                    egress = true;
                    nat.append("    ip saddr ").append(n.cidr()).append(" oifname != ").append(b).append(" masquerade\n");
                }
            }
            s.append(t).append(" {\n")
                    .append("  chain forward {\n    type filter hook forward priority -10; policy accept;\n").append(fwd).append("  }\n")
                    .append("  chain input {\n    type filter hook input priority -10; policy accept;\n").append(in).append("  }\n")
                    .append("  chain postrouting {\n    type nat hook postrouting priority 100; policy accept;\n").append(nat)
                    .append("  }\n}\n");
        }
        Tools.nft(s.toString());
        forwarding.want(egress);
    }

    /** IPv4 networks in the host's main routing table and on its interfaces. */
    private static List<Cidr> hostRoutes() throws IOException {
        List<Cidr> out = new ArrayList<>();
        String text = Tools.run(List.of("ip", "-4", "-o", "route", "show", "table", "main"), "", true)
                + Tools.run(List.of("ip", "-4", "-o", "addr", "show"), "", true).replaceAll("(?m)^\\d+: \\S+\\s+inet ", "");
        for (String line : text.split("\n")) {
            String first = line.trim().split("\\s+")[0];
            if (first.isEmpty() || first.equals("default")) {
                continue;
            }
            try {
                Cidr c = Cidr.parse("route", first.contains("/") ? first : first + "/32");
                out.add(c);
            } catch (IllegalArgumentException e) {
                // an interface address with host bits (10.0.2.15/24): take its network
                Matcher m = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+)/(\\d+)").matcher(first);
                if (m.matches()) {
                    Cidr host = Cidr.parse("address", m.group(1));
                    int prefix = Integer.parseInt(m.group(2));
                    out.add(new Cidr(host.base() & Cidr.mask(prefix), prefix));
                }
            }
        }
        return out;
    }

    /** Before this host's first network: sweeps a dead JVM's leftovers. */
    private void start() throws IOException {
        if (started) {
            return;
        }
        int swept = sweep();
        if (swept > 0) {
            log.info("removed {} network objects left by a JVM that died", swept);
        }
        started = true;
    }

    /**
     * Removes every network of this host whatever jobs still run on them (a job of another instance on one loses
     * it), then returns once nothing of them remains: their bridges, rules (the table), state directories,
     * namespaces and veths, its {@code ip_forward} record, and the pool's and the reaper's threads. Idempotent.
     */
    public void close() {
        List<PrivateNet> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(networks.values());
        }
        all.forEach(PrivateNet::stopJoining); // the pool's target is 0: it makes no more
        pool.close(); // waits for the filler; its ready namespaces go to the reaper
        for (PrivateNet n : all) {
            n.forceRemove();
        }
        reaper.close(); // what was queued (the pool's, jobs' released just before) is gone when it returns
    }

    /**
     * Removes links (by alias), nftables tables, network namespaces and state directories whose owner JVM is
     * dead. Returns how many objects it removed.
     */
    public static int sweep() throws IOException {
        int n = 0;
        List<String> del = new ArrayList<>();
        Matcher m = LINK.matcher(Tools.run(List.of("ip", "-o", "link", "show"), "", true));
        while (m.find()) {
            if (isDeadOwner(m.group(2))) {
                del.add("link del " + m.group(1));
            }
        }
        m = TABLE.matcher(Tools.run(List.of("nft", "list", "tables"), "", true));
        StringBuilder nft = new StringBuilder();
        while (m.find()) {
            if (isDeadOwner(m.group(1))) {
                nft.append("delete table inet joblet_").append(m.group(1)).append('\n');
                n++;
            }
        }
        for (Path p : deadOwned(NETNS_DIR)) {
            del.add("netns del " + p.getFileName());
        }
        if (!del.isEmpty()) {
            Tools.ipBatch("", del, true);
        }
        if (nft.length() > 0) {
            try {
                Tools.nft(nft.toString());
            } catch (IOException e) { // another instance's sweep took one first: delete the rest one by one
                for (String line : nft.toString().split("\n")) {
                    try {
                        Tools.nft(line + "\n");
                    } catch (IOException gone) {
                        log.debug("nft {}: {}", line, gone.getMessage());
                    }
                }
            }
        }
        for (Path dir : deadOwned(STATE_DIR)) {
            PrivateNet.deleteTree(dir);
            n++;
        }
        n += new Forwarding(FORWARD_DIR, IP_FORWARD, Owner.self()).sweep();
        return n + del.size();
    }

    private static boolean isDeadOwner(String tag) {
        Optional<Owner> o = Owner.parse(tag);
        return o.isPresent() && o.get().isDead();
    }

    private static Collection<Path> deadOwned(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Matcher m = OWNED.matcher(p.getFileName().toString());
                if (m.matches() && isDeadOwner(m.group(1))) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** For tests: the networks of this host still registered (open or closing). */
    public synchronized List<String> names() {
        return new ArrayList<>(networks.keySet());
    }

    @Nullable PrivateNet registered(String name) {
        synchronized (this) {
            return networks.get(name);
        }
    }
}
