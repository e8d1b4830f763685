package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every stage the helper can fail at, failed on purpose with the fault-injection build: the caller gets
 * exactly that stage and errno, and nothing of the attempt remains (no process, no fd, no cgroup member).
 */
@NeedsRoot("to create namespaces and mounts")
class FaultInjectionTest {
    /** This class's launcher; closing it after the last test checks that nothing of its jobs is left running. */
    @AutoClose
    private static final Launcher launcher = TestJobs.openLauncher();

    private static final int EIO = 5;

    private static Launcher faults;
    private static @Nullable Path cgroup;

    @BeforeAll
    static void setUp() throws Exception {
        faults = Launcher.open(TestJobs.faultHelperImage());
        cgroup = TestJobs.createPidsCgroup("joblet-test-faults").orElse(null);
        // Warm up (classes, event loop, libc) so that fd and thread counts below compare like with like.
        TestJobs.released(faults.launch(TestJobs.request("true").build(), OutputHandler.DISCARD));
        assertThat(catchThrowableOfType(LaunchException.class,
                () -> faults.launch(request(Stage.EXEC).build(), OutputHandler.DISCARD))).isNotNull();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (faults != null) {
            faults.close();
        }
        if (cgroup != null) {
            TestJobs.removeCgroup(cgroup);
        }
    }

    /** A request that reaches every fault point: a cgroup to open and join, and a CPU affinity to set. */
    private static LaunchRequest.Builder request(Stage fault) throws Exception {
        BitSet cpu0 = new BitSet();
        cpu0.set(0);
        // A netns to join (the host's own, as the clone sees it) so that the NETNS stage is reached too.
        LaunchRequest.Builder b = TestJobs.request("true").cpuAffinity(cpu0).netns(java.nio.file.Path.of("/proc/self/ns/net"))
                .fault(fault, EIO);
        if (cgroup != null) {
            b.cgroupProcsFiles(List.of(cgroup.resolve("cgroup.procs")));
        }
        if (fault == Stage.MASK_PROC) {
            b.maskProc(true);
        }
        if (fault == Stage.TTY) {
            b.tty(true).terminalSize(new TerminalSize(30, 100)); // the size field on the wire too
        }
        if (fault == Stage.INIT) {
            b.init(true);
        }
        if (fault == Stage.USERNS) {
            b.userNamespace(new UserNamespace("0 65534 1\n", "0 65534 1\n", false));
        }
        return b;
    }

    // CONFIG, SPAWN and PROTOCOL fail before the helper has a config to read the fault from (HelperConfigTest and
    // LaunchFailureTest cover them); so does NEW_NETWORK, the warm message's unshare, made before the config arrives.
    @ParameterizedTest
    @EnumSource(value = Stage.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"CONFIG", "SPAWN", "PROTOCOL", "NEW_NETWORK"})
    void everyHelperStageFailsWithItsOwnStageAndErrnoAndLeavesNothingBehind(Stage stage) throws Exception {
        if (stage == Stage.CGROUP_OPEN || stage == Stage.CGROUP_JOIN) {
            assumeThat(cgroup).as("a v1 pids hierarchy to make a test cgroup in").isNotNull();
        }
        LaunchRequest request = request(stage).build();
        int fds = TestJobs.openFds();
        List<ProcessHandle> children = TestJobs.children();

        java.nio.file.Path detachDir = stage == Stage.DETACH ? Files.createTempDirectory("joblet-detach") : null;
        LaunchException e = catchThrowableOfType(LaunchException.class, () -> {
            if (detachDir != null) { // reached only by a detached launch
                faults.launchDetached(request, new Detachment(detachDir, 65536, 0, 0, -1));
            } else {
                faults.launch(request, OutputHandler.DISCARD);
            }
        });
        if (detachDir != null) {
            assertThat(detachDir.resolve("log")).as("the fault hits before the log is made").doesNotExist();
            Files.delete(detachDir);
        }

        assertThat(e).as("launch with a fault at %s", stage).isNotNull();
        assertThat(e.stage()).isEqualTo(stage);
        assertThat(e.errno()).isEqualTo(EIO);
        assertThat(e.errnoName()).isEqualTo("EIO");
        assertThat(e.getMessage()).endsWith(": EIO (Input/output error)");
        assertThat(TestJobs.children()).as("children of the JVM").isEqualTo(children);
        assertThat(TestJobs.openFds()).as("open fds of the JVM").isEqualTo(fds);
        if (cgroup != null) {
            assertThat(Files.readString(cgroup.resolve("cgroup.procs"))).as("members of the job's cgroup").isEmpty();
        }
        switch (stage) {
            case MOUNT:
                // The fault hits the first mount: the message names it, target included.
                assertThat(e.subject()).isEqualTo(request.mounts().get(0).describe()).contains("/usr");
                break;
            case CGROUP_OPEN:
            case CGROUP_JOIN:
                assertThat(e.subject()).isEqualTo(stage.operation() + " " + cgroup.resolve("cgroup.procs"));
                break;
            case CHDIR:
                assertThat(e.subject()).isEqualTo("chdir /work");
                break;
            case HOSTNAME:
                assertThat(e.subject()).isEqualTo("sethostname testjob");
                break;
            case EXEC:
                assertThat(e.subject()).isEqualTo("execve true");
                assertThat(e.isCommandNotFound()).isFalse();
                break;
            case FETCH_FD:
                // The fault hits before the first descriptor is fetched: it names the first mount.
                assertThat(e.subject()).isEqualTo(stage.operation() + " for " + request.mounts().get(0).describe());
                break;
            case TTY:
                // The fault hits the first step: opening the ptmx of the job's own devpts.
                assertThat(e.subject()).isEqualTo("open the job's /dev/pts/ptmx");
                break;
            case DETACH:
                assertThat(e.subject()).isEqualTo(stage.operation() + " (step 0)");
                break;
            default:
                assertThat(e.subject()).isEqualTo(stage.operation());
        }
    }

    @Test
    void realMountFailureNamesTheMountThatFailedNotTheFirst() throws Exception {
        LaunchRequest.Builder b = TestJobs.request("true");
        List<MountOp> mounts = new java.util.ArrayList<>(b.build().mounts());
        mounts.add(MountOp.bind("/nonexistent-joblet-src", "/data", true));
        LaunchRequest request = b.mounts(mounts).build();
        int fds = TestJobs.openFds();

        LaunchException e = catchThrowableOfType(LaunchException.class,
                () -> launcher.launch(request, OutputHandler.DISCARD));

        assertThat(e.stage()).isEqualTo(Stage.MOUNT);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.subject()).isEqualTo("bind /nonexistent-joblet-src on /data");
        assertThat(e.getMessage()).isEqualTo("bind /nonexistent-joblet-src on /data: ENOENT (No such file or directory)");
        assertThat(TestJobs.openFds()).isEqualTo(fds);
    }

    @Test
    void faultBuildWithoutAFaultRunsTheJob() throws Exception {
        LaunchRequest.Builder b = request(Stage.EXEC);
        LaunchedProcess p = faults.launch(b.fault(Stage.EXEC, 0).build(), OutputHandler.DISCARD);
        assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
    }

    @Test
    void productionHelperIgnoresFaultRequests() throws Exception {
        LaunchedProcess p = launcher.launch(request(Stage.MOUNT_PRIVATE).build(), OutputHandler.DISCARD);
        assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
    }
}
