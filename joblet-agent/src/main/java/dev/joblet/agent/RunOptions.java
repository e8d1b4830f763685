package dev.joblet.agent;

import dev.joblet.JobSpec;
import dev.joblet.MemorySize;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one call changes from its sandbox: environment variables (added to the sandbox's), stdin, the timeout
 * and the limits (memory, processes, CPU). What is not named keeps the sandbox's value. Immutable and
 * thread-safe; {@link Builder} is not thread-safe. Values are checked when the call's job spec is built, by
 * {@link JobSpec.Builder}, whose messages name the field and the value; {@link #builder()} checks what it can at
 * once.
 *
 * <pre>{@code
 * sandbox.run(Language.PYTHON3, "import sys, os; print(os.environ['N'], sys.stdin.read())",
 *         RunOptions.builder().env("N", "1").stdin("hello").timeout(Duration.ofSeconds(5)).build());
 * }</pre>
 */
public final class RunOptions {
    /** Nothing changed: the sandbox's values. */
    public static final RunOptions DEFAULTS = builder().build();

    private final Map<String, String> env;
    private final byte @Nullable [] stdin;
    private final @Nullable Duration timeout;
    private final @Nullable MemorySize memory;
    private final long pidsMax;
    private final int cpu;

    private RunOptions(Builder b) {
        this.env = Map.copyOf(b.env);
        this.stdin = b.stdin == null ? null : b.stdin.clone();
        this.timeout = b.timeout;
        this.memory = b.memory;
        this.pidsMax = b.pidsMax;
        this.cpu = b.cpu;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The variables added to (or replacing those of) the sandbox's environment. */
    public Map<String, String> env() {
        return env;
    }

    /** Applies these options to a call's spec. */
    void applyTo(JobSpec.Builder b) {
        env.forEach(b::env);
        if (stdin != null) {
            b.stdin(stdin.clone());
        }
        if (timeout != null) {
            b.timeout(timeout);
        }
        if (memory != null) {
            b.memory(memory);
        }
        if (pidsMax > 0) {
            b.pidsMax(pidsMax);
        }
        if (cpu > 0) {
            b.cpu(cpu);
        }
    }

    @Override
    public String toString() {
        return "RunOptions{env " + env.keySet() + (stdin != null ? ", stdin " + stdin.length + " bytes" : "")
                + (timeout != null ? ", timeout " + timeout : "") + (memory != null ? ", memory " + memory : "")
                + (pidsMax > 0 ? ", pidsMax " + pidsMax : "") + (cpu > 0 ? ", cpu " + cpu + "%" : "") + "}";
    }

    /** Builds {@link RunOptions}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, String> env = new LinkedHashMap<>();
        private byte @Nullable [] stdin;
        private @Nullable Duration timeout;
        private @Nullable MemorySize memory;
        private long pidsMax;
        private int cpu;

        private Builder() {}

        public Builder env(String name, String value) {
            Objects.requireNonNull(name, "env name");
            Objects.requireNonNull(value, "env value");
            // checked by the core's rules at once, so that a bad name fails here and not at the call
            dev.joblet.Joblet.builder().env(name, value);
            env.put(name, value);
            return this;
        }

        /** The call's stdin (by default it reads end of file at once). */
        public Builder stdin(byte[] data) {
            stdin = Objects.requireNonNull(data, "stdin").clone();
            return this;
        }

        /** The call's stdin as UTF-8. */
        public Builder stdin(String text) {
            return stdin(Objects.requireNonNull(text, "stdin").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        /** The call's wall-clock limit instead of the sandbox's; it ends as TIMED_OUT. */
        public Builder timeout(Duration value) {
            dev.joblet.Joblet.builder().timeout(value); // refuses null, zero and negative values, naming them
            timeout = value;
            return this;
        }

        public Builder memory(MemorySize limit) {
            dev.joblet.Joblet.builder().memory(limit);
            memory = limit;
            return this;
        }

        public Builder pidsMax(long max) {
            dev.joblet.Joblet.builder().pidsMax(max);
            pidsMax = max;
            return this;
        }

        /** CPU limit in percent of one core. */
        public Builder cpu(int percent) {
            dev.joblet.Joblet.builder().cpu(percent);
            cpu = percent;
            return this;
        }

        public RunOptions build() {
            return new RunOptions(this);
        }
    }
}
