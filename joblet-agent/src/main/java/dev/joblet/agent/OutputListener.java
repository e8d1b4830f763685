package dev.joblet.agent;

/**
 * Receives a cell's or a background process's output as it is written, in chunks of whole UTF-8 characters (a
 * chunk is not a line). Called on the session's reader thread, one call at a time per session: keep it short, a
 * slow listener holds up the session's output (never loses it).
 */
public interface OutputListener {
    /** Ignores everything. */
    OutputListener NONE = new OutputListener() {};

    default void stdout(String text) {}

    default void stderr(String text) {}
}
