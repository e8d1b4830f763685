package dev.joblet;

import dev.joblet.internal.Args;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A runtime's smoke check ({@code rnx runtime test}): each of its checks runs as a job of its own in that runtime,
 * and the outcome of each is one {@link Step}. Stateless; the jobs belong to the {@link Joblet} given and are closed
 * before {@link #run} returns.
 *
 * <p>The checks are the manifest's {@code check.NAME = COMMAND} lines ({@link RuntimeManifest#checks()}); a runtime
 * whose manifest declares none gets its recipe's checks when it is one {@link RuntimeInstaller} builds (a runtime
 * installed before manifests held checks), else a shell check; the host runtime gets a shell and an {@code ls} check.
 */
public final class RuntimeCheck {
    /** The checks of the host runtime: a shell runs, and the host's tree is visible. */
    public static final Map<String, String> HOST_CHECKS = Map.of("shell", "echo shell ok", "ls", "ls /usr/bin/env");
    private static final Map<String, String> SHELL_CHECK = Map.of("shell", "echo shell ok");

    private RuntimeCheck() {}

    /**
     * One check's outcome. {@code output} is the job's stdout and stderr (stderr after stdout); {@code detail} says
     * how it ended ("exit 0", "exit 1", "killed by signal 9", "timed out after 2m", or why it did not start).
     */
    public record Step(String name, String command, boolean ok, String detail, String output) {}

    /**
     * The checks of the runtime {@code name} under {@code store} ("host" for the host's), in order.
     *
     * @throws IOException when the runtime is not installed (naming the installed ones) or its manifest is bad
     */
    public static Map<String, String> checksOf(Runtimes store, String name) throws IOException {
        Args.nonNull(name, "runtime");
        if (name.equals("host")) {
            Map<String, String> host = new LinkedHashMap<>();
            host.put("shell", HOST_CHECKS.get("shell"));
            host.put("ls", HOST_CHECKS.get("ls"));
            return host;
        }
        RuntimeInfo info = store.info(name).orElse(null);
        if (info == null) {
            throw new IOException("runtime " + name + " is not installed under " + store.root() + " (installed: "
                    + String.join(", ", store.names()) + ")");
        }
        if (!info.isValid()) {
            throw new IOException("runtime " + name + " is not usable: " + String.join("; ", info.problems()));
        }
        RuntimeManifest m = info.manifest();
        if (m != null && !m.checks().isEmpty()) {
            return m.checks();
        }
        Optional<RuntimeInstaller.Recipe> recipe = RuntimeInstaller.recipes().stream()
                .filter(r -> r.name().equals(name)).findFirst();
        return recipe.isPresent() ? recipe.get().checks() : SHELL_CHECK;
    }

    /**
     * Runs each check as a job on {@code joblet} in the runtime {@code runtime} ({@link JobRuntime#named}, resolved
     * against the instance's runtimes root), one after the other, each with {@code timeout}; every check runs even
     * when an earlier one failed.
     */
    public static List<Step> run(Joblet joblet, String runtime, Map<String, String> checks, Duration timeout)
            throws InterruptedException {
        Args.nonNull(joblet, "joblet");
        JobRuntime rt = JobRuntime.named(runtime);
        List<Step> steps = new ArrayList<>();
        for (Map.Entry<String, String> c : checks.entrySet()) {
            steps.add(step(joblet, rt, c.getKey(), c.getValue(), timeout));
        }
        return steps;
    }

    private static Step step(Joblet joblet, JobRuntime rt, String name, String command, Duration timeout)
            throws InterruptedException {
        JobSpec spec = Joblet.builder().runtime(rt).command("/bin/sh", "-c", command).timeout(timeout).build();
        try (Job job = joblet.start(spec)) {
            JobResult r = job.await();
            String output = job.stdout().text() + job.stderr().text();
            boolean ok = r.reason() == EndReason.EXITED && r.exitCode().orElse(-1) == 0;
            String detail;
            if (r.exitCode().isPresent()) {
                detail = "exit " + r.exitCode().getAsInt();
            } else if (r.reason() == EndReason.TIMED_OUT) {
                detail = "timed out after " + timeout;
            } else if (r.signal().isPresent()) {
                detail = "killed by signal " + r.signal().getAsInt();
            } else {
                detail = r.reason() + (r.message().isEmpty() ? "" : ": " + r.message());
            }
            return new Step(name, command, ok, detail, output);
        } catch (JobletException e) {
            return new Step(name, command, false, "did not start: " + e.getMessage(), "");
        }
    }
}
