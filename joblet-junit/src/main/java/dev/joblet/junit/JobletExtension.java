package dev.joblet.junit;

import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.JobletException;
import java.lang.reflect.Executable;
import java.lang.reflect.Parameter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the fixtures declared with {@link JobletFixture}, injects their {@link FixtureProcess} handles, and stops
 * them after the test (or after all tests, for {@code @BeforeAll} parameters). The test fails when a fixture
 * crashed during the test, or when anything of it (a process, its cgroup) is left after the stop.
 * Registered by {@link JobletFixture} itself; {@code @ExtendWith(JobletExtension.class)} works too. Stateless and
 * thread-safe: its state lives in the test's {@link ExtensionContext.Store}.
 */
public final class JobletExtension implements ParameterResolver, AfterEachCallback, AfterAllCallback {
    private static final Logger log = LoggerFactory.getLogger(JobletExtension.class);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(JobletExtension.class);
    private static final Duration END_WAIT = Duration.ofSeconds(30);

    /** Made by JUnit, from {@code @JobletFixture} or {@code @ExtendWith(JobletExtension.class)}. */
    public JobletExtension() {}

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.isAnnotated(JobletFixture.class);
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        Parameter p = pc.getParameter();
        String where = "@JobletFixture on parameter " + (p.isNamePresent() ? p.getName() : "#" + pc.getIndex()) + " of " + describe(pc.getDeclaringExecutable());
        if (p.getType() != FixtureProcess.class) {
            throw new ParameterResolutionException(where + ": the parameter must be of type FixtureProcess, not "
                    + p.getType().getSimpleName());
        }
        JobletFixture f = pc.findAnnotation(JobletFixture.class).orElseThrow();
        JobSpec spec;
        try {
            spec = FixtureStarter.spec(f);
        } catch (IllegalArgumentException e) {
            throw new ParameterResolutionException(where + ": " + e.getMessage(), e);
        }
        String description = "fixture \"" + String.join(" ", f.command()) + "\"";
        FixtureProcess fixture;
        try {
            fixture = FixtureStarter.start(f, spec, description);
        } catch (JobletException | IllegalStateException e) {
            throw new ParameterResolutionException(where + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ParameterResolutionException(where + ": interrupted while waiting for the fixture to be ready", e);
        }
        fixtures(ec).add(fixture);
        log.debug("{} ready: job {}", description, fixture.job().id());
        return fixture;
    }

    @SuppressWarnings("unchecked")
    private static List<FixtureProcess> fixtures(ExtensionContext ec) {
        return (List<FixtureProcess>) ec.getStore(NS).getOrComputeIfAbsent("fixtures", k -> new ArrayList<FixtureProcess>());
    }

    private static String describe(Executable e) {
        return e.getDeclaringClass().getSimpleName() + "." + e.getName() + "()";
    }

    @Override
    public void afterEach(ExtensionContext ec) {
        stopAll(ec);
    }

    @Override
    public void afterAll(ExtensionContext ec) {
        stopAll(ec);
    }

    /** Stops this context's fixtures, then fails with every problem found (crash during the test, leftovers). */
    private static void stopAll(ExtensionContext ec) {
        Object stored = ec.getStore(NS).remove("fixtures");
        if (stored == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<FixtureProcess> list = (List<FixtureProcess>) stored;
        List<String> problems = new ArrayList<>();
        for (FixtureProcess f : list) {
            problems.addAll(stop(f));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
    }

    private static List<String> stop(FixtureProcess f) {
        List<String> problems = new ArrayList<>();
        boolean endedByItself = !f.isAlive();
        Optional<JobResult> result;
        try {
            result = f.job().stop(f.job().spec().stopGrace()).completeOnTimeout(null, END_WAIT.toSeconds(),
                    java.util.concurrent.TimeUnit.SECONDS).thenApply(Optional::ofNullable).join();
        } catch (RuntimeException e) {
            result = Optional.empty();
        }
        // close() returns once nothing of the job remains (its cgroup and network namespace go after the result).
        f.job().close();
        if (result.isEmpty()) {
            problems.add(f + " did not end within " + END_WAIT + " of being stopped");
        } else if (endedByItself && !result.get().isSuccess() && result.get().reason() != dev.joblet.EndReason.STOPPED) {
            problems.add(f + " ended during the test: " + result.get() + FixtureStarter.outputOf(f.job()));
        }
        for (String left : LeftoverCheck.leftovers(f.job().id(), f.pid())) {
            problems.add(f + " left something behind: " + left);
        }
        return problems;
    }
}
