package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Launches the helper rejects before clone3, through the real {@link Launcher}: each is a typed
 * {@link LaunchException} naming what was wrong, and leaves no fd or process behind. No privileges needed.
 */
class LaunchFailureTest {
    /** This class's launcher; closing it after the last test checks that nothing of its jobs is left running. */
    @AutoClose
    private static final Launcher launcher = TestJobs.openLauncher();


    @BeforeAll
    static void warmUp() throws Exception {
        // Loads the classes, libc and the helper memfd once, so fd counts below compare like with like.
        launchFailure(TestJobs.spec("true").workdir("relative"));
    }

    private static LaunchException launchFailure(LaunchRequest.Builder request) throws Exception {
        return catchThrowableOfType(LaunchException.class,
                () -> launcher.launch(request.build(), OutputHandler.DISCARD));
    }

    /** Launches, expects a failure, and checks that nothing of the attempt remains. */
    private static LaunchException failsCleanly(LaunchRequest.Builder request) throws Exception {
        int fds = TestJobs.openFds();
        List<ProcessHandle> children = TestJobs.children();
        LaunchException e = launchFailure(request);
        assertThat(e).as("a LaunchException").isNotNull();
        assertThat(TestJobs.openFds()).as("open fds after %s", e.getMessage()).isEqualTo(fds);
        assertThat(TestJobs.children()).as("children after %s", e.getMessage()).isEqualTo(children);
        return e;
    }

    @Test
    void relativeWorkdirIsRejectedByTheHelperAsInvalidConfig() throws Exception {
        LaunchException e = failsCleanly(TestJobs.spec("true").workdir("work"));
        assertThat(e.stage()).isEqualTo(Stage.CONFIG);
        assertThat(e.errnoName()).isEqualTo("EINVAL");
        assertThat(e.getMessage()).isEqualTo("read config: EINVAL (Invalid argument)");
    }

    @Test
    void relativeStagingDirIsRejectedByTheHelperAsInvalidConfig() throws Exception {
        LaunchException e = failsCleanly(TestJobs.spec("true").stagingDir("run/x"));
        assertThat(e.stage()).isEqualTo(Stage.CONFIG);
        assertThat(e.errnoName()).isEqualTo("EINVAL");
    }

    @Test
    void emptyCommandNameIsRejectedByTheHelperAsInvalidConfig() throws Exception {
        LaunchException e = failsCleanly(TestJobs.spec("").argv(List.of("", "x")));
        assertThat(e.stage()).isEqualTo(Stage.CONFIG);
        assertThat(e.errnoName()).isEqualTo("EINVAL");
    }

    @Test
    void missingCgroupFileFailsCgroupOpenAndNamesTheFile() throws Exception {
        Path missing = Path.of("/nonexistent-joblet/cgroup.procs");
        LaunchException e = failsCleanly(TestJobs.spec("true")
                .cgroupProcsFiles(List.of(missing)));
        assertThat(e.stage()).isEqualTo(Stage.CGROUP_OPEN);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.subject()).isEqualTo("open cgroup " + missing);
    }

    @Test
    void missingCgroup2DirFailsCgroupOpenAndNamesTheDirectory() throws Exception {
        Path missing = Path.of("/nonexistent-joblet/job");
        LaunchException e = failsCleanly(TestJobs.spec("true").cgroup2Dir(missing));
        assertThat(e.stage()).isEqualTo(Stage.CGROUP_OPEN);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.subject()).isEqualTo("open cgroup " + missing);
    }

    @Test
    void configOverTheHelpersLimitFailsWithEmsgsizeAndLeaksNothing() throws Exception {
        // 2 MiB of environment: more than the helper accepts (1 MiB) and more than a pipe buffers, so the
        // helper rejects the header while the JVM is still writing the body.
        List<String> env = new ArrayList<>(Collections.nCopies(2048, "X=" + "x".repeat(1024)));
        LaunchException e = failsCleanly(TestJobs.spec("true").env(env));
        assertThat(e.stage()).isEqualTo(Stage.CONFIG);
        assertThat(e.errnoName()).isEqualTo("EMSGSIZE");
    }

    @Test
    void configJustUnderTheLimitIsAccepted() throws Exception {
        // ~900 KiB: the helper reads it all; the launch then stops at the (missing) cgroup file.
        List<String> env = new ArrayList<>(Collections.nCopies(900, "X=" + "x".repeat(1024)));
        LaunchException e = failsCleanly(TestJobs.spec("true").env(env)
                .cgroupProcsFiles(List.of(Path.of("/nonexistent-joblet/cgroup.procs"))));
        assertThat(e.stage()).isEqualTo(Stage.CGROUP_OPEN);
    }
}
