package dev.joblet;

import java.io.InputStream;

/**
 * One of a job's output streams (stdout or stderr), held in a bounded buffer ({@link JobSpec#outputBuffer()}).
 * Readers start at any retained offset and then follow live output until the job ends. Thread-safe.
 *
 * <p><b>Lossless.</b> A stream from {@link #open()} gets every byte from where it starts, in order, however
 * slowly it is read (with {@code transferTo}, or read by read): while it is a whole buffer behind, the library
 * stops reading the job's pipe and the job waits in {@code write()}, as with a {@code ProcessBuilder} pipe; the
 * job goes on as soon as the reader reads on, closes the stream, or reaches the end. Only this stream waits:
 * the other stream, other jobs and log subscribers are served meanwhile. Memory stays bounded (the buffer plus
 * one read of at most 1 MiB; after the job ended, plus what its pipe still held). With no open stream, the
 * buffer keeps the last bytes and drops older ones: output nobody reads never blocks the job and never grows
 * the heap. <b>Close a stream you stop reading</b> before its end, or the job waits for it. When the job's
 * PID 1 has ended, what is left is read at once: a job's end never waits for a reader.
 */
public interface LogStream {
    /** Reads from the oldest retained byte, then live output, until the stream ends; lossless from there on. */
    InputStream open();

    /**
     * Reads from byte offset {@code offset} (counted from the job's first byte), losslessly. An offset whose bytes
     * were already dropped (before the stream was opened) fails at the first read with an {@link
     * java.io.IOException} naming them, never silent loss.
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
