package dev.joblet;

import java.io.InputStream;

/**
 * One of a job's output streams (stdout or stderr), held in a bounded buffer: the job never blocks on
 * it and memory never grows beyond the buffer's capacity. Readers start at any retained offset and then
 * follow live output until the job ends. Thread-safe.
 */
public interface LogStream {
    /** Reads from the oldest retained byte, then live output, until the stream ends. */
    InputStream open();

    /**
     * Reads from byte offset {@code offset} (counted from the job's first byte). A reader that falls
     * more than the capacity behind gets an {@link java.io.IOException} naming the bytes it lost, never
     * silent loss.
     */
    InputStream open(long offset);

    /** Bytes written so far. */
    long size();

    /** True once the stream has ended (every process of the job closed it). */
    boolean isEnded();

    /** The retained bytes as UTF-8 text. After the job ended, this is the whole output unless {@link #truncated()}. */
    String text();

    /** True when older bytes were dropped because the output exceeded the buffer's capacity. */
    boolean truncated();
}
