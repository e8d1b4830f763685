package dev.joblet.junit;

import dev.joblet.JobletException;
import org.jspecify.annotations.Nullable;

/**
 * The one run of a shared fixture ({@link Fixture.Builder#shared}), kept in the root
 * {@link org.junit.jupiter.api.extension.ExtensionContext.Store}: started by the first test class that joins it,
 * closed by JUnit at the end of the run. A failed start fails every class that joins alike. Thread-safe: {@link #join}
 * is synchronized, so the first class starts it and the others, run in parallel, wait.
 */
final class SharedFixture implements AutoCloseable {
    private final FixtureDefinition first;
    private @Nullable FixtureRun run; // guarded by this
    private @Nullable RuntimeException failure; // guarded by this

    SharedFixture(FixtureDefinition first) {
        this.first = first;
    }

    /** The running fixture, started now if it is the first join; {@code def} must be defined as the first was. */
    synchronized FixtureRun join(FixtureDefinition def) throws InterruptedException {
        if (!def.definition().equals(first.definition())) {
            throw new IllegalArgumentException("shared fixture \"" + def.sharedName() + "\" is defined differently here ("
                    + def.definition() + ") than where it was started (" + first.definition() + ")");
        }
        if (failure != null) {
            throw new IllegalStateException("shared fixture \"" + def.sharedName() + "\" did not start: " + failure.getMessage(), failure);
        }
        if (run == null) {
            try {
                run = FixtureRun.start(first);
            } catch (JobletException | RuntimeException e) {
                failure = e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e.getMessage(), e);
                throw failure;
            }
        }
        return run;
    }

    @Override
    public synchronized void close() {
        if (run != null) {
            run.close();
        }
    }
}
