package dev.joblet.junit;

import dev.joblet.Job;
import java.nio.file.Path;
import java.util.List;

/**
 * The handle of a running fixture, injected into a test. Thread-safe. The extension owns the process: it stops
 * it after the test; the test may stop it earlier through {@link #job()}.
 */
public final class FixtureProcess {
    private final Job job;
    private final List<String> readyGroups;
    private final String description;
    private final List<Integer> exposed;

    FixtureProcess(Job job, List<String> readyGroups, String description) {
        this(job, readyGroups, description, List.of());
    }

    FixtureProcess(Job job, List<String> readyGroups, String description, List<Integer> exposed) {
        this.job = job;
        this.readyGroups = List.copyOf(readyGroups);
        this.description = description;
        this.exposed = List.copyOf(exposed);
    }

    /** The host to connect to from the test: {@code 127.0.0.1}, where exposed ports are published. */
    public String host() {
        return "127.0.0.1";
    }

    /**
     * The port on {@link #host()} where the fixture's {@code port} is published (Testcontainers'
     * {@code getMappedPort}); on {@link dev.joblet.Network#HOST} the port itself.
     *
     * @throws IllegalArgumentException when {@code port} is not one of the fixture's exposed ports
     */
    public int mappedPort(int port) {
        if (exposed.contains(port)) {
            return job.publishedPort(port);
        }
        if (job.spec().network() == dev.joblet.Network.HOST) {
            return port;
        }
        throw new IllegalArgumentException("mappedPort (" + port + ") is not an exposed port of " + description
                + " (exposed: " + exposed + ")");
    }

    /** The ports published with {@code Fixture.Builder.exposedPorts}, in their order. */
    public List<Integer> exposedPorts() {
        return exposed;
    }

    /** The fixture's address on its private network (for other jobs of that network); empty on none or host. */
    public java.util.Optional<String> address() {
        return job.address();
    }

    int reachablePort(int port) {
        return mappedPort(port);
    }

    /** The underlying job: output streams, result, stop. */
    public Job job() {
        return job;
    }

    /** The PID of the fixture's PID 1 as the test's JVM sees it. */
    public int pid() {
        return job.pid();
    }

    public boolean isAlive() {
        return job.isAlive();
    }

    /** The fixture's stdout so far. */
    public String stdout() {
        return job.stdout().text();
    }

    public String stderr() {
        return job.stderr().text();
    }

    /**
     * A group of the {@link JobletFixture#readyLog} match, e.g. a port the server printed: group 0 is the whole
     * match.
     */
    public String readyGroup(int group) {
        if (group < 0 || group >= readyGroups.size()) {
            throw new IllegalArgumentException("readyGroup (" + group + ") must be between 0 and " + (readyGroups.size() - 1)
                    + (readyGroups.isEmpty() ? " but the fixture has no readyLog" : ""));
        }
        return readyGroups.get(group);
    }

    /**
     * The host path of a path inside the fixture (through {@code /proc/<pid>/root}), e.g. to connect to a Unix
     * socket the fixture listens on or to read a file it wrote. Valid while the fixture runs.
     */
    public Path path(String pathInJob) {
        if (!pathInJob.startsWith("/") || pathInJob.contains("/../") || pathInJob.endsWith("/..")) {
            throw new IllegalArgumentException("path (" + pathInJob + ") must be an absolute path inside the fixture");
        }
        return Path.of("/proc", Integer.toString(job.pid()), "root", pathInJob.substring(1));
    }

    @Override
    public String toString() {
        return "FixtureProcess{" + description + (isAlive() ? ", running}" : ", ended}");
    }
}
