package dev.joblet;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A job's output log: stdout and stderr chunks, each stamped with its stream, its log offset and the
 * time it was read, held in a bounded buffer (twice {@link JobSpec#outputBuffer()}, 16 MiB by default) and
 * published to any number of {@link Flow.Subscriber}s.
 *
 * <p>Every subscriber gets the retained history from the offset it asked for, then live output, with no
 * gap and no duplicate between the two, honouring {@link Flow.Subscription#request(long)}. Delivery runs
 * on a small shared pool of library threads (a constant number, whatever the number of jobs and
 * subscribers), never on the thread that reads the job's pipes. A subscriber whose {@code onNext} throws is
 * cancelled, alone. {@code onComplete} follows the last byte of both streams. Subscribers must not block in
 * {@code onNext} for long: they share the delivery pool.
 *
 * <p><b>Lossless by default.</b> A subscriber gets every byte from where it subscribed ({@link
 * Delivery#LOSSLESS}): when it is a whole retention behind (it is slow, or it does not request), the library
 * stops reading the job's pipes and the job waits in {@code write()}, as a process whose pipe nobody reads does
 * with {@code ProcessBuilder}; it goes on as soon as the subscriber catches up or cancels. Memory stays bounded
 * (the retention plus one read per stream). Other jobs and other subscribers are not held up. With a
 * {@linkplain JobSpec.Builder#logSpill spill}, history comes from the disk and nobody waits. Only a subscriber
 * that asks for {@link Delivery#LOSSY} delivery ({@code from(offset, Delivery.LOSSY)}, {@code live(Delivery.LOSSY)})
 * never slows the job: behind what is retained, it receives a {@link LogEvent.Gap} naming the bytes it lost,
 * then continues from the oldest retained byte. Bytes dropped before a subscription started (nobody held them)
 * arrive as a {@code Gap} for either kind. The line and text views below are lossless subscribers: close a
 * {@link #lines()} stream that you stop reading.
 *
 * <p>Thread-safe.
 */
public interface JobLog {
    /** What a subscriber that falls a whole retention behind gets. */
    enum Delivery {
        /**
         * Every byte, in order: the job waits (its pipes are not read) while this subscriber is a retention behind,
         * and goes on once it catches up or cancels. The default.
         */
        LOSSLESS,
        /**
         * Bounded and lossy: the job never waits for this subscriber; what it falls behind on is dropped and
         * reported as a {@link LogEvent.Gap}. For monitors, dashboards and tails that must never slow a job.
         */
        LOSSY
    }

    /**
     * Publishes from log offset {@code offset} (0 is the beginning; {@link LogEvent#endOffset()} of the last
     * event received resumes without loss or repetition), {@linkplain Delivery#LOSSLESS losslessly}. An offset
     * older than what is retained begins with a {@link LogEvent.Gap}.
     *
     * @throws IllegalArgumentException if {@code offset} is negative or beyond {@link #size()}
     */
    default Flow.Publisher<LogEvent> from(long offset) {
        return from(offset, Delivery.LOSSLESS);
    }

    /** As {@link #from(long)}, with the given delivery: {@link Delivery#LOSSY} never slows the job. */
    Flow.Publisher<LogEvent> from(long offset, Delivery delivery);

    /** Publishes from the beginning of the job's output (a {@link LogEvent.Gap} first if some was dropped). */
    default Flow.Publisher<LogEvent> fromBeginning() {
        return from(0);
    }

    /** As {@link #fromBeginning()}, with the given delivery. */
    default Flow.Publisher<LogEvent> fromBeginning(Delivery delivery) {
        return from(0, delivery);
    }

    /** Publishes only output written after each subscription starts, losslessly. */
    default Flow.Publisher<LogEvent> live() {
        return live(Delivery.LOSSLESS);
    }

    /** As {@link #live()}, with the given delivery. */
    Flow.Publisher<LogEvent> live(Delivery delivery);

    /** Bytes written so far, both streams together: the offset the next chunk will start at. */
    long size();

    /** The oldest retained offset: {@code [retainedFrom(), size())} can still be delivered. */
    long retainedFrom();

    /** True once both streams have ended (every process of the job closed them). */
    boolean isEnded();

    /** The longest line the line views hold before they cut it into pieces: 64 KiB. */
    MemorySize DEFAULT_MAX_LINE = MemorySize.ofKilobytes(64);

    /**
     * Every line of both streams from the beginning, then live lines until the log ends, as a blocking,
     * sequential stream (close it to stop early: until then it is a lossless reader, and the job waits for it). Lines longer than {@link #DEFAULT_MAX_LINE} arrive in pieces.
     */
    default Stream<LogLine> lines() {
        return lines(DEFAULT_MAX_LINE);
    }

    /** As {@link #lines()}, cutting lines longer than {@code maxLine} into pieces of that size. */
    default Stream<LogLine> lines(MemorySize maxLine) {
        return LogViews.lines(fromBeginning(), maxBytes("maxLine", maxLine));
    }

    /**
     * Calls {@code action} for every line from the beginning, then for live lines, on the library's delivery
     * pool (it must be quick). The future completes when the log has ended and every line was handled, or
     * exceptionally if {@code action} threw; cancelling it stops the callbacks.
     */
    default CompletableFuture<Void> onLine(Consumer<? super LogLine> action) {
        return LogViews.onLine(fromBeginning(), maxBytes("maxLine", DEFAULT_MAX_LINE), action);
    }

    /**
     * The whole output of both streams, in log order, as text once the log has ended: at most {@code cap}
     * bytes of it (the first ones), {@link LogText#truncated()} saying if there was more.
     */
    default CompletableFuture<LogText> text(MemorySize cap) {
        return LogViews.text(fromBeginning(), maxBytes("cap", cap), null);
    }

    /** As {@link #text(MemorySize)}, of one stream only. */
    default CompletableFuture<LogText> text(LogEvent.Source source, MemorySize cap) {
        return LogViews.text(fromBeginning(), maxBytes("cap", cap), source);
    }

    private static int maxBytes(String name, MemorySize size) {
        if (size.bytes() < 1 || size.bytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + " (" + size + ") must be between 1 byte and 2 GiB");
        }
        return (int) size.bytes();
    }
}
