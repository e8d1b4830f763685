package dev.joblet;

import java.util.List;

/**
 * A detached job named by an id or id prefix that matches none ({@link #candidates()} empty) or several (the
 * candidates, in id order). Its message names the id as given and, when ambiguous, every candidate.
 */
public final class JobLookupException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial") // an immutable List.copyOf, never serialized in practice
    private final List<String> candidates;

    JobLookupException(String message, List<String> candidates) {
        super(message);
        this.candidates = List.copyOf(candidates);
    }

    /** The ids the prefix matched when it is ambiguous; empty when it matched none. */
    public List<String> candidates() {
        return candidates;
    }

    /** Whether the prefix matched several jobs (else none). */
    public boolean ambiguous() {
        return !candidates.isEmpty();
    }
}
