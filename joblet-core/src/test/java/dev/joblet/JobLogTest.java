package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Job#logs()} with a real job writing fast while subscribers join. */
@NeedsRoot("to run real jobs (namespaces, mounts and cgroups)")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JobLogTest {
    /** Collects everything and checks contiguity as it goes. */
    static class Sink implements Flow.Subscriber<LogEvent> {
        final List<LogEvent> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(LogEvent e) {
            if (!events.isEmpty() && events.get(events.size() - 1).endOffset() != e.offset()) {
                done.completeExceptionally(new AssertionError("not contiguous: " + events.get(events.size() - 1) + " then " + e));
            }
            events.add(e);
            if (e instanceof LogEvent.Data) {
                LogEvent.Data d = (LogEvent.Data) e;
                try {
                    d.writeTo(d.source() == LogEvent.Source.STDOUT ? out : err);
                } catch (java.io.IOException x) {
                    throw new UncheckedIOException(x);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }

    @Test
    void subscribersJoiningWhileTheJobWritesGetEveryByteOnceInOrderWithStreamsApart() throws Exception {
        int n = 20_000;
        String expectedOut = IntStream.rangeClosed(1, n).mapToObj(i -> "o" + i + "\n").collect(Collectors.joining());
        String expectedErr = IntStream.rangeClosed(1, n).mapToObj(i -> "e" + i + "\n").collect(Collectors.joining());
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofMegabytes(8))
                .command("bash", "-c", "for i in $(seq 1 " + n + "); do echo o$i; echo e$i >&2; done").start()) {
            List<Sink> fromStart = new ArrayList<>(), live = new ArrayList<>();
            while (!job.logs().isEnded() || fromStart.size() < 5) {
                Sink a = new Sink(), b = new Sink();
                job.logs().fromBeginning().subscribe(a);
                job.logs().live().subscribe(b);
                fromStart.add(a);
                live.add(b);
                Thread.sleep(1);
            }
            JobResult r = job.await();
            assertThat(r.exitCode()).hasValue(0);
            long size = job.logs().size();
            assertThat(size).isEqualTo(expectedOut.length() + expectedErr.length());
            for (Sink s : fromStart) {
                s.done.get(60, TimeUnit.SECONDS);
                assertThat(s.out.toString()).isEqualTo(expectedOut);
                assertThat(s.err.toString()).isEqualTo(expectedErr);
            }
            for (Sink s : live) {
                s.done.get(60, TimeUnit.SECONDS);
                assertThat(s.events).noneMatch(e -> e instanceof LogEvent.Gap);
                if (!s.events.isEmpty()) {
                    assertThat(s.events.get(s.events.size() - 1).endOffset()).isEqualTo(size);
                    assertThat(expectedOut).endsWith(s.out.toString()); // a suffix of each stream, nothing repeated
                }
            }
            assertThat(fromStart.size()).isGreaterThanOrEqualTo(5);
        }
    }

    /**
     * A writer fast enough that the I/O thread grows its pipe, reads it in large FIONREAD-sized chunks and lets
     * it fill between reads: every byte still arrives once, in order, in the log and in stdout(), whose buffer
     * shares the log's chunks.
     */
    /**
     * A fast burst switches the pipe to slab reads, whose chunks are published by size or by a timer: the end
     * of the burst is published on its own while the job pauses (a chunk ends exactly there), and a line written
     * after the pause reaches a live subscriber (and stdout()) while the job runs, not at EOF.
     */
    @Test
    void theEndOfAFastBurstAndALineAfterItArriveWhileTheJobStillRuns() throws Exception {
        long burst = 16L * 1024 * 1024 + 12 * 1024; // whole pages: no small late write ends the burst
        try (Job job = Joblet.builder().command("sh", "-c", "head -c " + burst + " /dev/zero; sleep 1; echo tail; exec sleep 60").start()) {
            Sink sink = new Sink();
            job.logs().fromBeginning().subscribe(sink);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!endsWithTail(sink.events) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(endsWithTail(sink.events)).as("the line after the burst arrived").isTrue();
            assertThat(job.isAlive()).as("the job is still running").isTrue();
            assertThat(sink.events).as("a chunk ends where the burst ended").anyMatch(e -> e.endOffset() == burst);
            assertThat(job.stdout().text()).endsWith("tail\n");
            long delivered = sink.events.stream().filter(e -> e instanceof LogEvent.Data).mapToLong(e -> ((LogEvent.Data) e).length()).sum();
            assertThat(delivered).isEqualTo(burst + 5);
            assertThat(sink.done).isNotDone();
        }
    }

    private static boolean endsWithTail(List<LogEvent> events) {
        if (events.isEmpty() || !(events.get(events.size() - 1) instanceof LogEvent.Data)) {
            return false;
        }
        return ((LogEvent.Data) events.get(events.size() - 1)).text().endsWith("tail\n");
    }

    @Test
    void aFastWritersBytesArriveOnceInOrderInTheLogAndInStdout() throws Exception {
        int n = 2_000_000;
        String expected = IntStream.rangeClosed(1, n).mapToObj(i -> i + "\n").collect(Collectors.joining());
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofMegabytes(32)).command("seq", "1", Integer.toString(n))
                .start()) {
            Sink sink = new Sink();
            job.logs().fromBeginning().subscribe(sink);
            assertThat(job.await().exitCode()).hasValue(0);
            sink.done.get(60, TimeUnit.SECONDS);
            assertThat(sink.events).noneMatch(e -> e instanceof LogEvent.Gap);
            assertThat(sink.out.toString()).isEqualTo(expected);
            assertThat(job.stdout().text()).isEqualTo(expected);
            assertThat(new String(job.stdout().open(7).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(expected.substring(7));
        }
    }

    /**
     * A subscriber with demand that is stuck in onNext lags only until it is behind what is retained: the I/O
     * thread's pauses for lagging subscribers stop then, the job finishes, and the subscriber learns what it lost.
     */
    @Test
    void aLossySubscriberStuckInOnNextDoesNotHoldUpTheJobAndLearnsWhatItLost() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofMegabytes(4))
                .command("head", "-c", "300000000", "/dev/zero").start()) {
            Sink stuck = new Sink() {
                @Override
                public void onNext(LogEvent e) {
                    super.onNext(e);
                    try {
                        release.await(); // stuck on the first event until the job has ended
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            job.logs().fromBeginning(JobLog.Delivery.LOSSY).subscribe(stuck);
            assertThat(job.await(java.time.Duration.ofSeconds(60))).as("the job ended while a subscriber was stuck")
                    .hasValueSatisfying(r -> assertThat(r.exitCode()).hasValue(0));
            release.countDown();
            stuck.done.get(60, TimeUnit.SECONDS);
            assertThat(stuck.events).anyMatch(e -> e instanceof LogEvent.Gap);
            long lost = stuck.events.stream().filter(e -> e instanceof LogEvent.Gap).mapToLong(e -> ((LogEvent.Gap) e).lost()).sum();
            assertThat(lost + stuck.out.size()).isEqualTo(300_000_000L);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aLossySubscriberThatNeverRequestsDoesNotSlowTheJobAndLearnsWhatItLost() throws Exception {
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofMegabytes(4))
                .command("head", "-c", "100000000", "/dev/zero").start()) {
            List<Flow.Subscription> subs = new ArrayList<>();
            Sink after = new Sink() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    subs.add(s); // requests nothing until the job has ended
                }
            };
            job.logs().fromBeginning(JobLog.Delivery.LOSSY).subscribe(after);
            JobResult r = job.await();
            assertThat(r.exitCode()).hasValue(0);
            subs.get(0).request(Long.MAX_VALUE);
            after.done.get(60, TimeUnit.SECONDS);
            LogEvent.Gap gap = (LogEvent.Gap) after.events.get(0);
            assertThat(gap.offset()).isZero();
            assertThat(gap.endOffset()).isEqualTo(job.logs().retainedFrom());
            assertThat(gap.lost() + after.out.size()).isEqualTo(100_000_000L);
            assertThat(after.out.size()).isLessThanOrEqualTo(8 << 20);
        }
    }
}
