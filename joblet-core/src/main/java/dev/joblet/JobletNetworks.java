package dev.joblet;

import dev.joblet.internal.net.Allow;
import dev.joblet.internal.net.Cidr;
import dev.joblet.internal.net.NetHost;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One {@link Joblet}'s private networks: the open ones by name, and the {@link NetHost} (nft table, state
 * directories, {@code ip_forward} record, pool and reaper threads) made on the first. Names are the instance's own:
 * two instances may each have a network {@code web} (never with overlapping CIDRs: each bridge routes its CIDR on
 * the host, which creation checks). {@link #close()} (by the instance's close) removes them all and returns once
 * nothing of them remains. Thread-safe.
 */
final class JobletNetworks implements AutoCloseable {
    private final Object lock = new Object();
    private @Nullable NetHost host; // guarded by lock; made on the first network
    private final Map<String, PrivateNetwork> open = new LinkedHashMap<>(); // guarded by lock
    private boolean closed; // guarded by lock

    PrivateNetwork create(String name, Cidr cidr, List<Allow> egress, int pool) throws JobletException {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("cannot create network " + name + ": this Joblet is closed");
            }
            NetHost h = host;
            if (h == null) {
                h = new NetHost();
                host = h;
            }
            try {
                PrivateNetwork n = new PrivateNetwork(h.create(name, cidr, egress, pool), this);
                open.put(name, n);
                return n;
            } catch (IOException e) {
                throw new JobletException("cannot create network " + name + " " + cidr + ": " + e.getMessage(), e);
            }
        }
    }

    Optional<PrivateNetwork> find(String name) {
        synchronized (lock) {
            PrivateNetwork n = open.get(name);
            return n == null || n.isClosed() ? Optional.empty() : Optional.of(n);
        }
    }

    /** A network was closed: its name is no longer looked up (it is free again once its last job has gone). */
    void closed(PrivateNetwork n) {
        synchronized (lock) {
            open.remove(n.name(), n);
        }
    }

    /** Removes every network (whatever jobs remain on them) and its host side; idempotent. */
    @Override
    public void close() {
        NetHost h;
        synchronized (lock) {
            closed = true;
            open.clear();
            h = host;
        }
        if (h != null) {
            h.close();
        }
    }

    /** The host side, if a network was ever made (tests). */
    @Nullable NetHost host() {
        synchronized (lock) {
            return host;
        }
    }
}
