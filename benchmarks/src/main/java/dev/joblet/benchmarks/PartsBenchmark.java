package dev.joblet.benchmarks;

import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.JobletConfig;
import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.CgroupStats;
import dev.joblet.cgroups.JobCgroup;
import dev.joblet.namespaces.ExitStatus;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.LaunchedProcess;
import dev.joblet.namespaces.Launcher;
import dev.joblet.namespaces.MountOp;
import dev.joblet.namespaces.OutputHandler;
import dev.joblet.namespaces.PreparedLaunch;
import dev.joblet.namespaces.internal.Protocol;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The start path's parts, each on its own (root only), next to the whole:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -jar benchmarks/target/benchmarks.jar PartsBenchmark</pre>
 *
 * <ul>
 *   <li>{@code encodeSpec}: the config message of a job with a typical host-runtime root (36 mounts), in the JVM;
 *   <li>{@code helperSpawn}: posix_spawn of the helper, its warm handshake, and its exit (no job);
 *   <li>{@code helperSpawnNewNetns}: the same, the helper entering a new network namespace (creation and
 *       teardown of the namespace included);
 *   <li>{@code cgroupCreateRemove}: a v1/hybrid job cgroup (six hierarchies here) with a pids limit, created and
 *       removed from Java, empty; {@code cgroupCreateJoinRemove}: the same with a helper joining it (the
 *       {@code cgroup.procs} writes, RCU grace period included when the kernel asks for one);
 *       {@code cgroupStats}: {@link JobCgroup#stats()} of a finished job's cgroup (a process joined and exited),
 *       as a job's result reads it;
 *   <li>{@code launchMinimalRoot}: clone into PID/mount/UTS/IPC namespaces, a root of /usr only (symlinked
 *       /bin, /lib), proc, exec {@code /bin/true}, as root, no seccomp; {@code launchMinimalRootHardenedProc}: + the
 *       /proc masks; seccomp and the privilege drop are measured by {@link HardeningBenchmark} (the filter is
 *       built inside the library);
 *   <li>{@code launchHostRoot}: the same with the host runtime's mounts (26 /etc entries, /dev, /tmp, /work);
 *   <li>{@code jobWarm} / {@code jobCold}: the whole, {@code start()} + {@code await()} of {@code /bin/true}
 *       with the default spec, from the warm pool and without it.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PartsBenchmark {
    private static final AtomicLong NAMES = new AtomicLong();
    private static final OutputHandler DISCARD = new OutputHandler() {
        @Override
        public void onOutput(Stream stream, byte[] data, int off, int len) {}

        @Override
        public void onEnd(Stream stream) {}
    };

    private LaunchRequest typical;
    private LaunchRequest minimal;
    private LaunchRequest minimalHardened;
    private LaunchRequest hostRoot;
    private CgroupDriver cgroups;
    private CgroupLimits pids;
    private JobCgroup finished;
    private JobSpec warm;
    private JobSpec cold;
    private Launcher launcher;
    /** Where the cold jobs start: an instance without a warm pool, closed at tear-down. */
    private Joblet coldJoblet;

    @Setup
    @SuppressWarnings("try") // the launch is held, not used: closing it is the measured part
    public void setup() throws Exception {
        launcher = Launcher.open();
        List<MountOp> root = new ArrayList<>(List.of(MountOp.bind("/usr", "/usr", true),
                MountOp.symlink("usr/bin", "/bin"), MountOp.symlink("usr/lib", "/lib"),
                MountOp.symlink("usr/lib64", "/lib64"), MountOp.symlink("usr/sbin", "/sbin"), MountOp.proc("/proc")));
        minimal = base().mounts(root).build();
        minimalHardened = base().mounts(root).maskProc(true).build();
        List<MountOp> host = new ArrayList<>(root);
        for (String e : List.of("passwd", "group", "nsswitch.conf", "hosts", "host.conf", "resolv.conf", "ld.so.cache",
                "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "alternatives", "bash.bashrc", "profile", "inputrc",
                "ssl", "ca-certificates", "debian_version", "terminfo", "protocols", "services", "mime.types", "magic",
                "os-release", "python3", "python3.11")) {
            host.add(MountOp.optionalBind("/etc/" + e, "/etc/" + e));
        }
        host.add(MountOp.dev("/dev"));
        host.add(MountOp.tmpfs("/tmp", "mode=1777,size=64m"));
        host.add(MountOp.tmpfs("/work", "mode=0755,size=256m"));
        hostRoot = base().mounts(host).build();
        typical = base().mounts(host).env(List.of("PATH=/usr/bin:/bin", "HOME=/work", "TERM=xterm")).build();
        cgroups = CgroupDriver.detect();
        pids = CgroupLimits.builder().pidsMax(1024).build();
        finished = cgroups.create("parts-finished", pids);
        try (PreparedLaunch p = launcher.prepare(finished.procsFiles(), false)) {
            // a process joined and exited: the counters are those of a finished job
        }
        warm = Joblet.builder().command("/bin/true").build();
        cold = warm;
        coldJoblet = Joblet.create(JobletConfig.fromSystemProperties().toBuilder().warmPoolSize(0).build());
    }

    private static LaunchRequest.Builder base() {
        return LaunchRequest.builder().argv(List.of("/bin/true")).hostname("parts").workdir("/")
                .stagingDir("/run/joblet/root").network(false);
    }

    @TearDown
    public void tearDown() throws Exception {
        finished.remove();
        cgroups.close();
        launcher.close();
        coldJoblet.close();
    }

    @Benchmark
    public byte[] encodeSpec() {
        return Protocol.encode(typical);
    }

    @Benchmark
    public void helperSpawn() throws Exception {
        launcher.prepare(List.of(), false).close();
    }

    @Benchmark
    public void helperSpawnNewNetns() throws Exception {
        launcher.prepare(List.of(), true).close();
    }

    @Benchmark
    public void cgroupCreateRemove() throws Exception {
        JobCgroup cg = cgroups.create("parts-" + NAMES.incrementAndGet(), pids);
        cg.remove();
    }

    @Benchmark
    @SuppressWarnings("try") // the launch is held, not used: closing it is the measured part
    public void cgroupCreateJoinRemove() throws Exception {
        JobCgroup cg = cgroups.create("parts-" + NAMES.incrementAndGet(), pids);
        try (PreparedLaunch p = launcher.prepare(cg.procsFiles(), false)) {
            // joined: the helper reported ready
        }
        cg.remove();
    }

    @Benchmark
    public CgroupStats cgroupStats() throws Exception {
        return finished.stats();
    }

    @Benchmark
    public ExitStatus launchMinimalRoot() throws Exception {
        return run(minimal);
    }

    @Benchmark
    public ExitStatus launchMinimalRootHardenedProc() throws Exception {
        return run(minimalHardened);
    }

    @Benchmark
    public ExitStatus launchHostRoot() throws Exception {
        return run(hostRoot);
    }

    @Benchmark
    public JobResult jobWarm() throws Exception {
        return StartBenchmark.run(warm);
    }

    @Benchmark
    public JobResult jobCold() throws Exception {
        return StartBenchmark.run(coldJoblet, cold);
    }

    private ExitStatus run(LaunchRequest r) throws Exception {
        LaunchedProcess p = launcher.launch(r, DISCARD);
        ExitStatus s = p.onExit().get(30, TimeUnit.SECONDS);
        if (s.signalled() || s.code() != 0) {
            throw new IllegalStateException("exit " + s);
        }
        return s;
    }
}
