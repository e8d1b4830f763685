package dev.joblet;

/** A job's network. */
public enum Network {
    /** A network namespace of its own with only loopback, up (the default). */
    NONE,
    /** The host's network namespace, shared: an explicit opt-in that removes network isolation. */
    HOST
}
