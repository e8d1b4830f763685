package dev.joblet;

import java.util.concurrent.Flow;

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
}
