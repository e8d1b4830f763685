package dev.joblet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The one prefill mechanism: tops each key up to its target on one thread of its own, backs off after a failure
 * instead of turning off, forgets idle keys, and leaves nothing (items, thread) once drained or closed. Items here
 * are numbers; "discarded" records what the prefill gave back.
 */
class PrefillTest {
    private final AtomicInteger made = new AtomicInteger();
    private final List<Integer> discarded = Collections.synchronizedList(new ArrayList<>());

    private Prefill<String, Integer> prefill(Prefill.Maker<String, Integer> maker, int target, long idleNanos,
            Comparator<Integer> order) {
        return new Prefill<>("prefill-test", maker, discarded::add, k -> k.equals("off") ? 0 : target, idleNanos, order,
                0);
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        for (int i = 0; i < 2_000 && !done.getAsBoolean(); i++) { // a failure guard, not a timing assertion
            Thread.sleep(5);
        }
        assertThat(done.getAsBoolean()).isTrue();
    }

    private static boolean threadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().equals("prefill-test"));
    }

    @Test
    void aTakeStartsTheFillerWhichTopsTheKeyUpToItsTargetAndThenExits() throws Exception {
        try (Prefill<String, Integer> p = prefill(k -> made.incrementAndGet(), 3, Long.MAX_VALUE, null)) {
            assertThat(p.take("a")).as("nothing is made before the first take").isNull();
            await(() -> p.ready() == 3 && !p.hasFiller());
            assertThat(made.get()).isEqualTo(3);
            assertThat(p.take("a")).isEqualTo(1); // first made, first out
            assertThat(p.take("a")).isEqualTo(2);
            assertThat(p.taken()).isEqualTo(2);
            await(() -> p.ready() == 3 && !p.hasFiller());
            assertThat(p.take("off")).as("a key whose target is 0").isNull();
            assertThat(p.ready()).isEqualTo(3);
        }
        assertThat(discarded).containsExactlyInAnyOrder(3, 4, 5);
        assertThat(threadAlive()).isFalse();
    }

    @Test
    void theKeyWithTheFewestReadyItemsIsMadeForFirst() throws Exception {
        // A filler that cannot keep up must not serve one key to its target while another in use has none.
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch bothAsked = new java.util.concurrent.CountDownLatch(1);
        try (Prefill<String, Integer> p = prefill(k -> {
            try {
                bothAsked.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            order.add(k);
            return made.incrementAndGet();
        }, 2, Long.MAX_VALUE, null)) {
            p.take("a");
            p.take("b");
            bothAsked.countDown();
            await(() -> p.ready() == 4 && !p.hasFiller());
        }
        assertThat(order).containsExactly("a", "b", "a", "b");
    }

    @Test
    void itemsAreHandedOutInTheGivenOrder() throws Exception {
        AtomicInteger next = new AtomicInteger(10);
        try (Prefill<String, Integer> p = prefill(k -> next.getAndDecrement(), 3, Long.MAX_VALUE,
                Comparator.naturalOrder())) {
            p.take("a");
            await(() -> p.ready() == 3);
            assertThat(p.take("a")).isEqualTo(8); // 10, 9, 8 were made: the lowest goes first
        }
    }

    @Test
    void aFailureIsRetriedAfterABackoffInsteadOfTurningTheKeyOff() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (Prefill<String, Integer> p = prefill(k -> {
            if (calls.incrementAndGet() <= 2) {
                throw new IOException("busy host");
            }
            return calls.get();
        }, 1, Long.MAX_VALUE, null)) {
            p.take("a");
            await(() -> calls.get() >= 1);
            // It backs off and tries again: the key stays on.
            await(() -> p.ready() == 1);
            assertThat(calls.get()).as("two failures, then a success").isEqualTo(3);
            assertThat(p.isOff()).isFalse();
            assertThat(p.take("a")).isEqualTo(3);
        }
    }

    @Test
    void whileAKeyBacksOffWhatIsReadyIsStillHandedOut() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (Prefill<String, Integer> p = prefill(k -> {
            if (calls.incrementAndGet() > 1) {
                throw new IOException("full"); // e.g. a network with no free address left
            }
            return calls.get();
        }, 2, Long.MAX_VALUE, null)) {
            p.take("a");
            await(() -> calls.get() >= 2); // one made, the second failed: backing off
            assertThat(p.take("a")).isEqualTo(1);
        }
    }

    @Test
    void anIdleKeyIsForgottenAndItsItemsDiscarded() throws Exception {
        try (Prefill<String, Integer> p = prefill(k -> made.incrementAndGet(), 2, 50_000_000L, null)) {
            p.take("a");
            await(() -> p.ready() == 2);
            await(() -> p.ready() == 0 && !p.hasFiller());
            assertThat(discarded).containsExactlyInAnyOrder(1, 2);
        }
    }

    @Test
    void drainDiscardsAllAndEndsTheThreadAndALaterTakeStartsOver() throws Exception {
        Prefill<String, Integer> p = prefill(k -> made.incrementAndGet(), 2, 60_000_000_000L, null);
        p.take("a");
        p.take("b");
        await(() -> p.ready() == 4);
        assertThat(p.hasFiller()).as("it watches the idle deadline").isTrue();
        p.drain();
        assertThat(p.ready()).isZero();
        assertThat(p.hasFiller()).isFalse();
        assertThat(threadAlive()).isFalse();
        assertThat(discarded).hasSize(4);
        p.take("a");
        await(() -> p.ready() == 2);
        p.close();
        p.close(); // idempotent
        assertThat(discarded).hasSize(6);
        assertThat(p.take("a")).as("a closed prefill hands out nothing").isNull();
        assertThat(p.hasFiller()).isFalse();
        assertThat(threadAlive()).isFalse();
    }

    @Test
    void disableTurnsItOffForGoodAndDrains() throws Exception {
        try (Prefill<String, Integer> p = prefill(k -> made.incrementAndGet(), 1, Long.MAX_VALUE, null)) {
            p.take("a");
            await(() -> p.ready() == 1);
            p.disable("this host refuses");
            assertThat(p.isOff()).isTrue();
            assertThat(p.ready()).isZero();
            assertThat(p.take("a")).isNull();
            assertThat(p.hasFiller()).isFalse();
            assertThat(discarded).containsExactly(1);
        }
    }

    @Test
    void anItemMadeWhileItIsDrainedIsDiscardedNotKept() throws Exception {
        java.util.concurrent.CountDownLatch making = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Prefill<String, Integer> p = prefill(k -> {
            making.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return made.incrementAndGet();
        }, 1, Long.MAX_VALUE, null);
        p.take("a");
        making.await();
        assertThat(p.isMaking("a")).isTrue();
        Thread closer = new Thread(p::close);
        closer.start();
        Thread.sleep(20);
        release.countDown();
        closer.join();
        assertThat(p.ready()).isZero();
        assertThat(discarded).containsExactly(1);
        assertThat(threadAlive()).isFalse();
    }
}
