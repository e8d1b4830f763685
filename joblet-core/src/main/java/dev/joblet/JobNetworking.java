package dev.joblet;

import dev.joblet.internal.net.Attachment;
import dev.joblet.internal.net.Cidr;
import dev.joblet.internal.net.PortProxy;
import dev.joblet.namespaces.MountOp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's place on a private network, prepared before launch: its network namespace, address, host name, hosts
 * file and published ports. Thread-safe; {@link #release()} (when the job has ended) removes all of it.
 */
final class JobNetworking {
    private static final Logger log = LoggerFactory.getLogger(JobNetworking.class);

    private final Attachment attachment;
    private final Map<Integer, PortProxy> proxies = new LinkedHashMap<>();

    private JobNetworking(Attachment attachment) {
        this.attachment = attachment;
    }

    /** Null unless the spec asks for a private network. */
    static @Nullable JobNetworking prepare(JobSpec spec, JobId id, String hostname) throws JobStartException {
        if (!(spec.network() instanceof PrivateNetwork)) {
            return null;
        }
        PrivateNetwork net = (PrivateNetwork) spec.network();
        String program = spec.command().get(0);
        Attachment a;
        try {
            a = net.impl().attach(hostname);
        } catch (IllegalStateException e) {
            throw JobStartException.cannotStart(id, program, String.valueOf(e.getMessage()), "join network " + net.name(),
                    null, e);
        } catch (IOException e) {
            throw JobStartException.cannotStart(id, program, "cannot set up its network on " + net + ": " + e.getMessage(),
                    "join network " + net.name(), null, e);
        }
        JobNetworking n = new JobNetworking(a);
        try {
            for (Map.Entry<Integer, Integer> p : spec.published().entrySet()) {
                n.proxies.put(p.getKey(), PortProxy.open(p.getValue(), a.address(), p.getKey(), id.shortForm()));
            }
        } catch (IOException e) {
            n.release().join();
            throw JobStartException.cannotStart(id, program, String.valueOf(e.getMessage()), "publish port", null, e);
        }
        return n;
    }

    Path netnsPath() {
        return attachment.netnsPath();
    }

    /** The network's hosts file over the job's /etc/hosts (after the runtime's own). */
    MountOp hostsMount() {
        return MountOp.bind(attachment.hostsFile().toString(), "/etc/hosts", true);
    }

    String address() {
        return Cidr.format(attachment.address());
    }

    @Nullable Integer publishedPort(int jobPort) {
        PortProxy p = proxies.get(jobPort);
        return p == null ? null : p.hostPort();
    }

    static List<MountOp> withHosts(List<MountOp> mounts, @Nullable JobNetworking n) {
        if (n == null) {
            return mounts;
        }
        // In place of the host's /etc/hosts where the plan has it (a mount stacked over a file of the read-only
        // root cannot be made), else after the runtime's own /etc.
        List<MountOp> out = new java.util.ArrayList<>(mounts);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).target().equals("/etc/hosts")) {
                out.set(i, n.hostsMount());
                return out;
            }
        }
        out.add(n.hostsMount());
        return out;
    }

    /**
     * Closes the published ports and frees the host name now; the namespace, veth pair and address go in the
     * background: the future completes when they have.
     */
    CompletableFuture<Void> release() {
        for (PortProxy p : proxies.values()) {
            p.close();
        }
        log.debug("releasing {} on {}", address(), attachment.network());
        return attachment.release();
    }
}
