package dev.joblet;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A job's output log: stdout and stderr chunks, each stamped with its stream, its log offset and the
 * time it was read, held in a bounded buffer (twice {@link JobSpec#outputBuffer()}, 8 MiB by default) and
 * published to any number of {@link Flow.Subscriber}s.
 *
 * <p>Every subscriber gets the retained history from the offset it asked for, then live output, with no
 * gap and no duplicate between the two, honouring {@link Flow.Subscription#request(long)}. Delivery runs
 * on a small shared pool of library threads (a constant number, whatever the number of jobs and
 * subscribers), never on the thread that reads the job's pipes: a slow or stalled subscriber never slows
 * the job nor the other subscribers. A subscriber that falls behind what the log retains receives a
 * {@link LogEvent.Gap} naming the bytes it lost, then continues from the oldest retained byte. A
 * subscriber whose {@code onNext} throws is cancelled, alone. {@code onComplete} follows the last byte of
 * both streams. Subscribers must not block in {@code onNext} for long: they share the delivery pool.
 *
 * <p>Thread-safe.
 */
public interface JobLog {
    /**
     * Publishes from log offset {@code offset} (0 is the beginning; {@link LogEvent#endOffset()} of the last
     * event received resumes without loss or repetition). An offset older than what is retained begins
     * with a {@link LogEvent.Gap}.
     *
     * @throws IllegalArgumentException if {@code offset} is negative or beyond {@link #size()}
     */
    Flow.Publisher<LogEvent> from(long offset);

    /** Publishes from the beginning of the job's output (a {@link LogEvent.Gap} first if some was dropped). */
    default Flow.Publisher<LogEvent> fromBeginning() {
        return from(0);
    }

    /** Publishes only output written after each subscription starts. */
    Flow.Publisher<LogEvent> live();

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
     * sequential stream (close it to stop early). Lines longer than {@link #DEFAULT_MAX_LINE} arrive in pieces.
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
