package dev.joblet.junit;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * When a {@link Fixture} is ready: made by {@link Wait}'s factories, polled every 10 ms from the fixture's start
 * until it passes or its startup timeout (default 30 s) has passed; the test then fails with what was last seen
 * and the tail of the fixture's output. Immutable and thread-safe; {@link #withStartupTimeout} returns a copy.
 */
public abstract class WaitStrategy {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final Duration timeout;

    WaitStrategy(Duration timeout) {
        this.timeout = timeout;
    }

    /** How long this strategy may wait, from the fixture's start. */
    public final Duration startupTimeout() {
        return timeout;
    }

    /**
     * A copy that waits at most {@code timeout} from the fixture's start.
     *
     * @throws IllegalArgumentException when the timeout is zero or negative
     */
    public final WaitStrategy withStartupTimeout(Duration timeout) {
        return withTimeout(checkTimeout("startupTimeout", timeout));
    }

    static Duration checkTimeout(String field, @Nullable Duration timeout) {
        if (timeout == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(field + " (" + timeout + ") must be positive");
        }
        return timeout;
    }

    abstract WaitStrategy withTimeout(Duration timeout);

    /** What is waited for, in words: {@code HTTP GET / on port 8000 answering 200}. */
    abstract String description();

    /**
     * Checks the strategy against the fixture's definition before anything starts: a target (a port) the fixture
     * cannot offer throws IllegalArgumentException naming the strategy and the value.
     */
    void validate(FixtureTargets targets) {}

    /** Null when ready, else what was seen instead (for the timeout's message). Called from one thread at a time. */
    abstract @Nullable String notReady(FixtureProcess fixture) throws InterruptedException;

    @Override
    public final String toString() {
        return description() + " within " + timeout;
    }
}
