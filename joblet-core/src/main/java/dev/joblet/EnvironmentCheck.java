package dev.joblet;

import java.util.Objects;

/**
 * One finding of {@link Joblet#checkEnvironment()}: what was checked, whether it works here, what was
 * seen, and how to fix it when it does not. Immutable and thread-safe.
 *
 * @param name   what was checked, e.g. "user namespaces"
 * @param status whether it works here
 * @param detail what was seen
 * @param fix    how to make it work; empty when nothing needs fixing
 */
public record EnvironmentCheck(String name, Status status, String detail, String fix) {
    /** The outcome of a check. */
    public enum Status {
        /** Works here. */
        OK,
        /** Works, with a limitation the detail names (jobs start; some options will not). */
        LIMITED,
        /** Does not work here: jobs (or the options that need it) will not start. */
        MISSING
    }

    public EnvironmentCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(fix, "fix");
    }

    @Override
    public String toString() {
        return String.format("%-8s %-22s %s%s", status, name, detail, fix.isEmpty() ? "" : "\n         fix: " + fix);
    }
}
