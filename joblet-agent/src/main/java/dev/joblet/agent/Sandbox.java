package dev.joblet.agent;

import dev.joblet.CpuSet;
import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.JobletException;
import dev.joblet.MemorySize;
import dev.joblet.Network;
import dev.joblet.JobRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs code snippets as sandboxed jobs: each {@link #run} is a new job with the sandbox's runtime, limits and
 * timeout, no network unless asked, and a fresh tmpfs {@code /work}. A {@link SandboxSession} keeps {@code /work}
 * between calls, and live interpreters for {@link SandboxSession#runCode}. Thread-safe: any number of threads may run
 * snippets at once. Its configuration is immutable; its one piece of state is the pool of ready sessions
 * ({@link Builder#readySessions}), which {@link #close()} ends.
 *
 * <pre>{@code
 * Sandbox sandbox = Sandbox.builder().memory(MemorySize.ofMegabytes(256)).timeout(Duration.ofSeconds(10)).build();
 * ExecutionResult r = sandbox.run(Language.PYTHON3, "print(6 * 7)");
 * r.stdout();   // "42\n"
 * }</pre>
 */
public final class Sandbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sandbox.class);

    /** Longest snippet accepted: it is passed as one argument, and Linux caps one argument at 128 KiB. */
    public static final int MAX_CODE_BYTES = 100_000;

    /** The largest file a session reads or writes unless {@link Builder#fileLimit} says otherwise. */
    public static final MemorySize DEFAULT_FILE_LIMIT = MemorySize.ofMegabytes(64);

    private final JobSpec template;
    private final int outputLimit;
    private final Duration idleTimeout;
    private final Path sessionRoot;
    private final long fileLimit;
    /** Where the snippets' jobs start; the caller's (the sandbox does not close it). */
    private final @org.jspecify.annotations.Nullable Joblet joblet;
    /** Sessions started ahead of {@link #openSession()}; null when {@link Builder#readySessions} is 0. */
    private final @org.jspecify.annotations.Nullable SessionPool pool;

    private Sandbox(Builder b) {
        this.pool = b.readySessions > 0 ? new SessionPool(this, b.readySessions) : null;
        this.joblet = b.joblet;
        this.template = b.spec.build();
        this.outputLimit = b.outputLimit;
        this.idleTimeout = b.idleTimeout;
        this.sessionRoot = b.sessionRoot;
        this.fileLimit = b.fileLimit;
    }

    /** A builder with safe defaults: host runtime, no network, 512 MiB, 128 processes, 30 s, 64 KiB of output. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs one snippet in a fresh sandbox and waits for it. A snippet that fails, times out or is killed for
     * memory still gives a result; only a sandbox that cannot start throws.
     *
     * @throws JobletException when the job cannot start (e.g. the interpreter is not in the runtime)
     * @throws InterruptedException when interrupted while waiting; the job is killed first
     */
    public ExecutionResult run(Language language, String code) throws JobletException, InterruptedException {
        return run(language, code, RunOptions.DEFAULTS);
    }

    /** As {@link #run(Language, String)}, with this call's environment, stdin, timeout or limits. */
    public ExecutionResult run(Language language, String code, RunOptions options)
            throws JobletException, InterruptedException {
        return execute(specFor(language, code, options, null, null));
    }

    /**
     * Opens a session whose calls share {@code /work}; it closes itself after the idle timeout. With
     * {@link Builder#readySessions ready sessions}, one of those is handed out (its interpreter already runs).
     */
    public SandboxSession openSession() throws IOException {
        if (pool != null) {
            SandboxSession ready = pool.take();
            if (ready != null) {
                return ready;
            }
        }
        return openWithoutNetwork(SessionOptions.DEFAULTS);
    }

    /** Opens a session that closes itself when no call was made for {@code idle}. */
    public SandboxSession openSession(Duration idle) throws IOException {
        return openWithoutNetwork(SessionOptions.builder().idleTimeout(requirePositive("idleTimeout", idle)).build());
    }

    /** Closes the ready sessions not handed out (those handed out are their callers' to close). Idempotent. */
    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }

    /** A new session (not from the pool) with no network of its own: what the pool fills itself with. */
    SandboxSession newSession(Duration idle) throws IOException {
        return openWithoutNetwork(SessionOptions.builder().idleTimeout(requirePositive("idleTimeout", idle)).build());
    }

    private SandboxSession openWithoutNetwork(SessionOptions options) throws IOException {
        try {
            return openSession(options);
        } catch (JobletException e) { // only making a network throws it, and these options have no allow-list
            throw new IllegalStateException("no network was asked for, yet: " + e.getMessage(), e);
        }
    }

    /**
     * Opens a session with these options: its idle timeout, and its egress allow-list (a private network of
     * the session's own, removed when it closes).
     *
     * @throws IOException when the session's directory cannot be made
     * @throws JobletException when its network cannot be made (e.g. not root)
     */
    public SandboxSession openSession(SessionOptions options) throws IOException, JobletException {
        Objects.requireNonNull(options, "options");
        Duration idle = options.idleTimeout() != null ? requirePositive("idleTimeout", options.idleTimeout()) : idleTimeout;
        return SessionOpening.open(this, options, idle, sessionRoot, fileLimit);
    }

    /** The longest a cell may run: the template's timeout, else (practically) forever. */
    Duration cellTimeout() {
        return template.timeout().orElse(FOREVER);
    }

    JobSpec specFor(Language language, String code, RunOptions options,
            @org.jspecify.annotations.Nullable SessionDirectory workspace,
            @org.jspecify.annotations.Nullable Network network) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(code, "code");
        if (code.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("code must not contain NUL characters");
        }
        int bytes = code.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_CODE_BYTES) {
            throw new IllegalArgumentException("code (" + bytes + " bytes) must be at most " + MAX_CODE_BYTES
                    + " bytes; put larger programs into a session's files with put() and run them from there");
        }
        JobSpec.Builder b = template.toBuilder().command(language.argv(code));
        options.applyTo(b);
        if (network != null) {
            b.network(network);
        }
        if (workspace != null) {
            b.volume(workspace.volume());
            if (template.security().ownIdentity()) { // the session's reserved identity
                if (template.security().rootInUserNamespace()) {
                    b.rootInUserNamespace(workspace.uid(), workspace.gid());
                } else {
                    b.user(workspace.uid(), workspace.gid());
                }
            }
        }
        return b.build();
    }

    ExecutionResult execute(JobSpec spec) throws JobletException, InterruptedException {
        try (Job job = joblet().start(spec)) {
            JobResult r = job.await();
            log.debug("snippet job {} ended: {}", job.id().shortForm(), r.reason());
            return ExecutionResult.of(job, r, outputLimit);
        }
    }

    /** The instance the snippets start on: the one given to the builder, else {@link Joblet#system()}. */
    Joblet joblet() {
        return joblet != null ? joblet : Joblet.system();
    }

    /** The job spec every snippet starts from (its command is a placeholder). */
    public JobSpec template() {
        return template;
    }

    /** Bytes of stdout and of stderr kept per snippet. */
    public int outputLimit() {
        return outputLimit;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** The largest file a session reads or writes ({@link SandboxSession#read}, {@link SandboxSession#write}). */
    public MemorySize fileLimit() {
        return MemorySize.ofBytes(fileLimit);
    }

    /** The longest delay a timer takes: Long.MAX_VALUE nanoseconds, about 292 years (as the core's timeouts). */
    private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    /** Also: a value beyond about 292 years is taken as that, so that no timer overflows. */
    private static Duration requirePositive(String name, @org.jspecify.annotations.Nullable Duration d) {
        if (d == null) {
            throw new NullPointerException(name + " (null) must not be null");
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " (" + d + ") must be positive");
        }
        return d.compareTo(FOREVER) > 0 ? FOREVER : d;
    }

    /**
     * Builds a {@link Sandbox}. Not thread-safe. Limits are checked at once by {@link JobSpec.Builder}, whose
     * messages name the field and the value.
     */
    public static final class Builder {
        /** A job spec with nothing named: what {@link #template} compares a template's fields with. */
        private static final JobSpec PLAIN = Joblet.builder().command("true").build();

        private JobSpec.Builder spec = defaults();
        private int outputLimit = 64 * 1024;
        private Duration idleTimeout = Duration.ofMinutes(10);
        private Path sessionRoot = Path.of(System.getProperty("java.io.tmpdir"));
        private long fileLimit = DEFAULT_FILE_LIMIT.bytes();
        private @org.jspecify.annotations.Nullable Joblet joblet;
        private int readySessions;

        private Builder() {
            outputBuffer();
        }

        /** The sandbox's safe defaults. */
        private static JobSpec.Builder defaults() {
            return Joblet.builder().command("true")
                    .memory(MemorySize.ofMegabytes(512))
                    .pidsMax(128)
                    .timeout(Duration.ofSeconds(30))
                    .stopGrace(Duration.ofMillis(500))
                    .network(Network.NONE);
        }

        /** Starts the snippets on {@code value} instead of {@link Joblet#system()}; the caller closes it. */
        public Builder joblet(Joblet value) {
            joblet = Objects.requireNonNull(value, "joblet");
            return this;
        }

        /**
         * Starts from this job spec (its command is replaced per snippet), for what this builder has no method
         * for, e.g. read-only volumes or environment, but keeps the sandbox's safe defaults for what the template
         * leaves as a plain {@link JobSpec} has it. The rule: a field of {@code value} equal to the plain JobSpec
         * default keeps the sandbox's default instead; so a template that names only {@code env} still runs with
         * a 30 s timeout, 128 processes, a 500 ms stop grace, no network and 512 MiB. These fields are:
         * timeout (none in a JobSpec), pidsMax ({@value JobSpec#DEFAULT_PIDS_MAX}), stopGrace, network
         * ({@link Network#NONE} in both) and memory. A JobSpec does not record what was named, so a template that
         * names exactly a JobSpec default (e.g. {@code pidsMax(1024)}) gets the sandbox's value: set that one
         * with this builder's method after {@code template}. Methods called before {@code template} are replaced
         * by the template's values.
         */
        public Builder template(JobSpec value) {
            Objects.requireNonNull(value, "template");
            JobSpec sandboxDefaults = defaults().build();
            JobSpec.Builder b = value.toBuilder();
            if (value.timeout().isEmpty()) {
                sandboxDefaults.timeout().ifPresent(b::timeout);
            }
            if (value.pidsMax() == PLAIN.pidsMax()) {
                b.pidsMax(sandboxDefaults.pidsMax());
            }
            if (value.stopGrace().equals(PLAIN.stopGrace())) {
                b.stopGrace(sandboxDefaults.stopGrace());
            }
            if (value.network().equals(PLAIN.network())) {
                b.network(sandboxDefaults.network());
            }
            if (value.memory().equals(PLAIN.memory())) {
                sandboxDefaults.memory().ifPresent(b::memory);
            }
            spec = b;
            outputBuffer();
            return this;
        }

        public Builder runtime(JobRuntime value) {
            spec.runtime(value);
            return this;
        }

        /** CPU limit in percent of one core. */
        public Builder cpu(int percent) {
            spec.cpu(percent);
            return this;
        }

        public Builder memory(MemorySize limit) {
            spec.memory(limit);
            return this;
        }

        public Builder cpus(CpuSet set) {
            spec.cpus(set);
            return this;
        }

        public Builder pidsMax(long max) {
            spec.pidsMax(max);
            return this;
        }

        /** {@link Network#NONE} by default; {@link Network#HOST} gives the snippet the host's network. */
        public Builder network(Network value) {
            spec.network(value);
            return this;
        }

        public Builder env(String name, String value) {
            spec.env(name, value);
            return this;
        }

        /** Wall-clock limit of one snippet (default 30 s); it ends as TIMED_OUT. */
        public Builder timeout(Duration value) {
            spec.timeout(value);
            return this;
        }

        /** Bytes of stdout and of stderr kept per snippet (default 64 KiB); the last bytes are kept. */
        public Builder outputLimit(MemorySize limit) {
            if (limit.bytes() < 1 || limit.bytes() > 64L * 1024 * 1024) {
                throw new IllegalArgumentException("outputLimit (" + limit + ") must be between 1 byte and 64 MiB");
            }
            outputLimit = (int) limit.bytes();
            outputBuffer();
            return this;
        }

        /** How long a session may go without a call before it closes itself (default 10 minutes). */
        public Builder idleTimeout(Duration value) {
            idleTimeout = requirePositive("idleTimeout", value);
            return this;
        }

        /**
         * The largest file a session reads or writes (default 64 MiB, at most 1 GiB): a larger one is refused,
         * naming its path and size, before anything is read or written.
         */
        public Builder fileLimit(MemorySize limit) {
            Objects.requireNonNull(limit, "fileLimit");
            if (limit.bytes() < 1 || limit.bytes() > 1024L * 1024 * 1024) {
                throw new IllegalArgumentException("fileLimit (" + limit + ") must be between 1 byte and 1 GiB");
            }
            fileLimit = limit.bytes();
            return this;
        }

        /** The host directory under which sessions keep their {@code /work} (default java.io.tmpdir). */
        public Builder sessionRoot(Path dir) {
            if (!dir.isAbsolute()) {
                throw new IllegalArgumentException("sessionRoot (" + dir + ") must be an absolute path");
            }
            sessionRoot = dir;
            return this;
        }

        /**
         * How many sessions to keep started ahead, interpreter running, so that {@link Sandbox#openSession()} returns
         * at once (default 0; 1 or 2 suit an agent that opens sessions one after another; at most 16). They start
         * in the background from the first {@code openSession()} on, each holding a job and its {@code /work}
         * until handed out; {@link Sandbox#close()} ends those not handed out.
         */
        public Builder readySessions(int count) {
            if (count < 0 || count > 16) {
                throw new IllegalArgumentException("readySessions (" + count + ") must be between 0 and 16");
            }
            readySessions = count;
            return this;
        }

        private void outputBuffer() {
            spec.outputBuffer(MemorySize.ofBytes(Math.max(4096, outputLimit)));
        }

        public Sandbox build() {
            return new Sandbox(this);
        }
    }
}
