package dev.joblet.junit;

import dev.joblet.JobRuntime;
import dev.joblet.JobSpec;
import dev.joblet.JobletException;
import dev.joblet.MemorySize;
import dev.joblet.Network;
import dev.joblet.PrivateNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A sandboxed fixture process declared in code, the programmatic twin of {@link JobletFixture}:
 *
 * <pre>{@code
 * @RegisterExtension
 * static Fixture server = Fixture.builder("python3", "-m", "http.server", "8000")
 *         .exposedPorts(8000)                                  // an isolated private network, published on 127.0.0.1
 *         .waitingFor(Wait.forHttp("/").forStatusCode(200))
 *         .build();
 *
 * @Test
 * void answers() throws Exception {
 *     URI uri = URI.create("http://" + server.host() + ":" + server.mappedPort(8000) + "/");
 *     ...
 * }
 * }</pre>
 *
 * In a {@code static} field it runs for the test class (started before its first test, stopped after its last);
 * in an instance field, for each test. With {@link Builder#shared(String)} one process serves every test class
 * of the run that registers a fixture of that name: started by the first, stopped when the JUnit run ends (it
 * lives in the root {@link ExtensionContext.Store}), safe with parallel execution. After the stop the test fails
 * when the fixture crashed or left anything (a process, a cgroup, its network); a shared one fails the run.
 *
 * <p>The definition (everything {@link Builder} set) is immutable. The extension holds only the handle of the
 * running process for its registration, written before the tests of its scope start: {@link #process()} and the
 * getters that read it ({@link #mappedPort}, {@link #host}) are for use from tests and their {@code @BeforeEach}
 * methods. Thread-safe.
 */
public final class Fixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Fixture.class);
    private static final Pattern SHARED_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final FixtureDefinition def;

    /** The running fixture of this registration; null before its scope starts and after it ends. */
    private volatile @Nullable FixtureRun run;
    /** Whether {@link #run} is for the class (a static field, or shared) rather than for one test. */
    private volatile boolean classScoped;

    private Fixture(FixtureDefinition def) {
        this.def = def;
    }

    /** A builder of a fixture running {@code command} (the program and its arguments). Not thread-safe. */
    public static Builder builder(String... command) {
        return new Builder(command);
    }

    // ---- the running fixture, for the tests ----

    /**
     * The running process's handle: output, job, paths.
     *
     * @throws IllegalStateException outside the fixture's scope (before it started, after it stopped)
     */
    public FixtureProcess process() {
        FixtureRun r = run;
        if (r == null) {
            throw new IllegalStateException(def.description() + " is not running: use it from a test or its @BeforeEach/@AfterEach"
                    + " (a static field runs for the class, an instance field for each test)");
        }
        return r.process();
    }

    /** Where to connect from the test: {@code 127.0.0.1}. */
    public String host() {
        return process().host();
    }

    /** The port on {@link #host()} where the fixture's {@code port} (one of its exposed ports) is published. */
    public int mappedPort(int port) {
        return process().mappedPort(port);
    }

    // ---- JUnit ----

    @Override
    public void beforeAll(ExtensionContext ec) throws Exception {
        String sharedName = def.sharedName();
        if (sharedName != null) {
            SharedFixture s = ec.getRoot().getStore(NS).getOrComputeIfAbsent("shared:" + sharedName, k -> new SharedFixture(def),
                    SharedFixture.class);
            run = s.join(def);
        } else {
            FixtureRun r = startOrExplain();
            ec.getStore(NS).put(this, r); // closed with the class's store should afterAll not run
            run = r;
        }
        classScoped = true;
    }

    @Override
    public void afterAll(ExtensionContext ec) {
        if (def.sharedName() != null) {
            run = null; // the run's store stops it at the end
            return;
        }
        FixtureRun r = ec.getStore(NS).remove(this, FixtureRun.class);
        run = null;
        if (r != null) {
            failOn(r.stop());
        }
    }

    @Override
    public void beforeEach(ExtensionContext ec) throws Exception {
        if (classScoped) {
            return;
        }
        if (run != null) {
            throw new IllegalStateException(def.description() + " in an instance field runs once per test, but another test of"
                    + " the same instance is using it (@TestInstance(PER_CLASS) with concurrent tests): make the field static");
        }
        FixtureRun r = startOrExplain();
        ec.getStore(NS).put(this, r);
        run = r;
    }

    @Override
    public void afterEach(ExtensionContext ec) {
        if (classScoped) {
            return;
        }
        FixtureRun r = ec.getStore(NS).remove(this, FixtureRun.class);
        run = null;
        if (r != null) {
            failOn(r.stop());
        }
    }

    private FixtureRun startOrExplain() throws JobletException, InterruptedException {
        return FixtureRun.start(def);
    }

    private static void failOn(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
    }

    /** What the builder set, for {@link FixtureRun#start}. */
    FixtureDefinition definition() {
        return def;
    }

    @Override
    public String toString() {
        return "Fixture{" + def.definition() + "}";
    }

    /** Builds a {@link Fixture}; every setter checks its value at once and names it. Not thread-safe. */
    public static final class Builder {
        // Package-private: FixtureDefinition copies them at build().
        final List<String> command;
        String runtime = "host";
        @Nullable Network network;
        final List<Integer> exposed = new ArrayList<>();
        final List<WaitStrategy> waits = new ArrayList<>();
        Duration stopGrace = Duration.ZERO;
        @Nullable String sharedName;
        @Nullable MemorySize memory;
        int cpu;
        final Map<String, String> env = new LinkedHashMap<>();
        @Nullable Consumer<JobSpec.Builder> customizer;

        Builder(String... command) {
            if (command == null || command.length == 0) {
                throw new IllegalArgumentException("command must not be empty");
            }
            for (String c : command) {
                if (c == null) {
                    throw new IllegalArgumentException("command must not hold null");
                }
            }
            this.command = List.of(command);
        }

        /** The runtime: {@code host} (default) or the name of an installed runtime. */
        public Builder runtime(String name) {
            this.runtime = JobRuntime.named(name).name();
            return this;
        }

        /**
         * The fixture's network: {@link Network#NONE} (loopback only; the default without exposed ports),
         * {@link Network#HOST} (the host's, shared), or a {@link PrivateNetwork} of yours (for several fixtures that
         * talk to each other by host name). With exposed ports and no network set, the fixture gets an isolated
         * private network of its own ({@link #isolatedNetwork()}).
         */
        public Builder network(Network network) {
            if (network == null) {
                throw new IllegalArgumentException("network must not be null");
            }
            this.network = network;
            return this;
        }

        /**
         * A private network of the fixture's own (a /28 of 10.247.0.0/16 picked free), made before it starts and
         * removed after it stops: no other job, and nothing outside, reaches it but through its exposed ports.
         */
        public Builder isolatedNetwork() {
            this.network = null;
            return this;
        }

        /**
         * TCP ports the fixture listens on, each published on the host's {@code 127.0.0.1} at a free port that
         * {@link Fixture#mappedPort} tells. Needs a private network (by default an isolated one). Repeatable.
         */
        public Builder exposedPorts(int... ports) {
            for (int p : ports) {
                FixtureTargets.checkPort("exposedPorts", p);
                if (exposed.contains(p)) {
                    throw new IllegalArgumentException("exposedPorts (" + p + ") is already exposed");
                }
                exposed.add(p);
            }
            return this;
        }

        /** When the fixture is ready; repeatable (all must pass, each within its own timeout). Default: once started. */
        public Builder waitingFor(WaitStrategy strategy) {
            if (strategy == null) {
                throw new IllegalArgumentException("waitingFor must not be null");
            }
            waits.add(strategy);
            return this;
        }

        /**
         * How long the stop after the tests waits after SIGTERM before SIGKILL. Default zero: a fixture is killed at
         * once, as its state is thrown away anyway; give a grace to a fixture that must flush something on SIGTERM.
         */
        public Builder stopGrace(Duration grace) {
            if (grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("stopGrace (" + grace + ") must not be negative");
            }
            this.stopGrace = grace;
            return this;
        }

        /**
         * One process for every test class of the JUnit run that registers a fixture of this name (defined alike),
         * started by the first and stopped when the run ends.
         */
        public Builder shared(String name) {
            if (name == null || !SHARED_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("shared name (" + name + ") must be 1 to 64 letters, digits, '.', '_' or '-'");
            }
            this.sharedName = name;
            return this;
        }

        /** A memory limit; default that of {@link JobSpec.Builder} (512 MiB). */
        public Builder memory(MemorySize memory) {
            if (memory == null) {
                throw new IllegalArgumentException("memory must not be null");
            }
            this.memory = memory;
            return this;
        }

        /** A CPU limit in percent of one core. */
        public Builder cpu(int percent) {
            if (percent <= 0) {
                throw new IllegalArgumentException("cpu (" + percent + ") must be positive");
            }
            this.cpu = percent;
            return this;
        }

        public Builder env(String name, String value) {
            if (name == null || name.isEmpty() || name.contains("=") || value == null) {
                throw new IllegalArgumentException("env name (" + name + ") must be non-empty without '=', with a value");
            }
            env.put(name, value);
            return this;
        }

        /**
         * Anything else of the job's spec (volumes, uploads, limits, a hostname), applied after the fixture's own
         * settings; called at {@link #build()} to check it, and at each start.
         */
        public Builder spec(Consumer<JobSpec.Builder> customizer) {
            if (customizer == null) {
                throw new IllegalArgumentException("spec customizer must not be null");
            }
            this.customizer = customizer;
            return this;
        }

        /**
         * The fixture, checked: bad settings, and wait strategies the fixture cannot satisfy (a port it does not
         * expose), throw IllegalArgumentException naming the field and the value.
         */
        public Fixture build() {
            if (!exposed.isEmpty() && network != null && !(network instanceof PrivateNetwork)) {
                throw new IllegalArgumentException("exposedPorts (" + exposed + ") need a private network, not network(" + network
                        + "): leave the network unset for an isolated one, or pass a PrivateNetwork");
            }
            FixtureTargets targets = new FixtureTargets(new java.util.HashSet<>(exposed), network == null ? Network.NONE : network);
            for (WaitStrategy w : waits) {
                w.validate(targets);
            }
            FixtureDefinition def = new FixtureDefinition(this);
            def.spec(Network.NONE); // the job's own checks (runtime, limits, the customizer's settings), now
            return new Fixture(def);
        }
    }
}
