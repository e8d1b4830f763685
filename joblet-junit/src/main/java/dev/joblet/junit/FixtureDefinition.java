package dev.joblet.junit;

import dev.joblet.JobRuntime;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.MemorySize;
import dev.joblet.Network;
import dev.joblet.PrivateNetwork;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Fixture.Builder} set, frozen at {@link Fixture.Builder#build()}: the command, the network, the
 * exposed ports, the wait strategies and the job's settings, and the {@link JobSpec} they make. What a
 * {@link FixtureRun} starts and a {@link SharedFixture} compares. Immutable (the spec customizer is the user's
 * and is called at each start), thread-safe.
 */
final class FixtureDefinition {
    private final List<String> command;
    private final String runtime;
    private final Network network;
    /** Whether each start makes a private network of its own (exposed ports and no network set). */
    private final boolean isolated;
    private final List<Integer> exposed;
    private final List<WaitStrategy> waits;
    private final Duration stopGrace;
    private final @Nullable String sharedName;
    private final @Nullable MemorySize memory;
    private final int cpu;
    private final Map<String, String> env;
    private final @Nullable Consumer<JobSpec.Builder> customizer;

    FixtureDefinition(Fixture.Builder b) {
        this.command = List.copyOf(b.command);
        this.runtime = b.runtime;
        this.exposed = List.copyOf(b.exposed);
        this.isolated = b.network == null ? !exposed.isEmpty() : false;
        this.network = b.network == null ? Network.NONE : b.network;
        this.waits = List.copyOf(b.waits);
        this.stopGrace = b.stopGrace;
        this.sharedName = b.sharedName;
        this.memory = b.memory;
        this.cpu = b.cpu;
        this.env = Map.copyOf(b.env);
        this.customizer = b.customizer;
    }

    /** For messages: {@code fixture "python3 -m http.server 8000"} (or {@code shared fixture ...}). */
    String description() {
        return (sharedName == null ? "" : "shared ") + "fixture \"" + String.join(" ", command) + "\"";
    }

    /** What makes two definitions the same fixture, in words (a shared fixture must be defined alike everywhere). */
    String definition() {
        return command + " runtime " + runtime + " on " + (isolated ? "an isolated network" : network) + " exposing " + exposed
                + " waiting for " + waits + ", stop grace " + stopGrace + ", memory " + memory + ", cpu " + cpu + ", env " + env.keySet()
                + (customizer == null ? "" : ", customized");
    }

    @Nullable String sharedName() {
        return sharedName;
    }

    boolean isolated() {
        return isolated;
    }

    Network network() {
        return network;
    }

    List<Integer> exposedPorts() {
        return exposed;
    }

    List<WaitStrategy> waitStrategies() {
        return waits;
    }

    Duration stopGrace() {
        return stopGrace;
    }

    /** The job's spec on {@code net}; bad values throw IllegalArgumentException naming the field. */
    JobSpec spec(Network net) {
        JobSpec.Builder b = Joblet.builder().command(command).runtime(JobRuntime.named(runtime)).network(net).stopGrace(stopGrace);
        if (memory != null) {
            b.memory(memory);
        }
        if (cpu != 0) {
            b.cpu(cpu);
        }
        env.forEach(b::env);
        if (net instanceof PrivateNetwork) {
            for (int p : exposed) {
                b.publish(p, 0);
            }
        }
        if (customizer != null) {
            customizer.accept(b);
        }
        return b.build();
    }
}
