package dev.joblet;

import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A job's id: a UUID in its canonical form (36 characters), shown in messages, logs and the default hostname by its
 * {@linkplain #shortForm() first 8 characters}. Immutable and thread-safe; equal ids are {@link #equals equal}.
 */
public final class JobId implements Comparable<JobId> {
    /** How many characters of the id name a job in messages and in its default hostname ({@code job-3f2a0c1e}). */
    public static final int SHORT_LENGTH = 8;

    private final String value;

    private JobId(String value) {
        this.value = value;
    }

    /** A new random id. */
    public static JobId random() {
        return new JobId(UUID.randomUUID().toString());
    }

    /**
     * The id written {@code id}.
     *
     * @throws IllegalArgumentException when {@code id} is not a UUID in its canonical form (36 characters)
     */
    public static JobId parse(String id) {
        Objects.requireNonNull(id, "id");
        boolean canonical;
        try {
            canonical = UUID.fromString(id).toString().equals(id);
        } catch (IllegalArgumentException e) {
            canonical = false;
        }
        if (!canonical) {
            throw new IllegalArgumentException("id (" + id + ") must be a UUID in canonical form, e.g. "
                    + "3f2a0c1e-8b7d-4e6f-9a5b-1c2d3e4f5a6b");
        }
        return new JobId(id);
    }

    /** The first {@value #SHORT_LENGTH} characters, which name the job in messages: {@code 3f2a0c1e}. */
    public String shortForm() {
        return value.substring(0, SHORT_LENGTH);
    }

    /** Whether the full form starts with {@code prefix} (how a user may name a job by the start of its id). */
    public boolean startsWith(String prefix) {
        return value.startsWith(prefix);
    }

    /** The full form: {@code 3f2a0c1e-8b7d-4e6f-9a5b-1c2d3e4f5a6b}. */
    @Override
    public String toString() {
        return value;
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof JobId && ((JobId) o).value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public int compareTo(JobId other) {
        return value.compareTo(other.value);
    }
}
