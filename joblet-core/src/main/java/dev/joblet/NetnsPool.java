package dev.joblet;

import dev.joblet.internal.Prefill;
import dev.joblet.namespaces.FreshNetns;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The network namespaces a {@link Joblet} makes ahead for cold starts with only a loopback network (root only; none
 * for a job with a user namespace of its own, which could not join one owned by the initial user namespace). Owned
 * and closed by its {@code Joblet}; its thread ({@code joblet-netns}) exists only while there is something to make.
 */
final class NetnsPool implements AutoCloseable {
    /** The key of the one kind of network namespace made ahead. */
    private static final String NETNS = "netns";
    /** A refill waits this long after a take, so that it does not compete with the start. */
    private static final long REFILL_DELAY_NANOS = 5_000_000L;

    private final Prefill<String, FreshNetns.Lease> pool;

    NetnsPool(int size) {
        this.pool = new Prefill<>("joblet-netns", k -> make(), FreshNetns.Lease::close, k -> size, Long.MAX_VALUE,
                null, REFILL_DELAY_NANOS);
    }

    /** A namespace made ahead, or null (the job then makes its own in clone). */
    FreshNetns.@Nullable Lease take() {
        return pool.take(NETNS);
    }

    /** Turns the namespaces made ahead off for good: this host refused a job's join of one. */
    void joinFailed(String why) {
        pool.disable(why);
    }

    /** Discards what is ready and ends the thread (tests count after). */
    void drain() {
        pool.drain();
    }

    /** Namespaces jobs took (tests). */
    long taken() {
        return pool.taken();
    }

    /** Namespaces ready now (tests). */
    int ready() {
        return pool.ready();
    }

    /** Whether the thread making namespaces exists now (tests). */
    boolean hasFiller() {
        return pool.hasFiller();
    }

    @Override
    public void close() {
        pool.close();
    }

    /** On the prefill's own thread, which does nothing else. */
    private FreshNetns.Lease make() throws IOException {
        try {
            return FreshNetns.create();
        } catch (FreshNetns.StrandedException e) {
            // This thread now lives in a namespace of its own: it must make no more. The pool ends it.
            pool.disable("joblet-netns: " + e.getMessage());
            throw e;
        }
    }
}
