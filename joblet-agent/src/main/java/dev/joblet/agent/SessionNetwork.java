package dev.joblet.agent;

import dev.joblet.Joblet;
import dev.joblet.JobletException;
import dev.joblet.PrivateNetwork;
import java.util.concurrent.ThreadLocalRandom;

/** Makes a session's private network with its egress allow-list. Stateless. */
final class SessionNetwork {
    private SessionNetwork() {}

    static PrivateNetwork create(Joblet joblet, SessionOptions options) throws JobletException {
        String name = "sbx-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffff_ffffL);
        String asked = options.subnet();
        if (asked != null) {
            return build(joblet, name, asked, options);
        }
        // The first free /28 of 10.213.0.0/16: a network of another session, or a route of the host, takes one.
        IllegalArgumentException last = null;
        for (int i = 0; i < 4096; i++) {
            String cidr = "10.213." + (i / 16) + "." + (i % 16) * 16 + "/28";
            try {
                return build(joblet, name, cidr, options);
            } catch (IllegalArgumentException e) {
                if (e.getMessage() == null || !e.getMessage().contains("overlaps")) {
                    throw e;
                }
                last = e;
            }
        }
        throw new IllegalStateException("no free /28 in 10.213.0.0/16 for the session's network; name one with"
                + " SessionOptions.subnet", last);
    }

    private static PrivateNetwork build(Joblet joblet, String name, String cidr, SessionOptions options)
            throws JobletException {
        PrivateNetwork.Builder b = dev.joblet.Network.builder(name, cidr).pool(0);
        for (SessionOptions.Egress e : options.egress()) {
            b.allowEgress(e.cidr(), e.portArray());
        }
        return b.create(joblet);
    }
}
