package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLayout;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.CgroupStats;
import dev.joblet.cgroups.Controller;
import dev.joblet.cgroups.IoLimit;
import dev.joblet.cgroups.JobCgroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class V1DriverTest {
    private static final Map<String, List<String>> FILES = Map.of(
            "cpu", List.of("cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares", "cpu.stat"),
            "cpuacct", List.of("cpuacct.usage_user", "cpuacct.usage_sys", "cpuacct.stat"),
            "cpuset", List.of("cpuset.cpus", "cpuset.mems"),
            "memory", List.of("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
                    "memory.oom_control", "memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.swappiness",
                    "memory.kmem.tcp.limit_in_bytes"),
            "blkio", List.of("blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                    "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
                    "blkio.throttle.io_service_bytes"),
            "pids", List.of("pids.max", "pids.current", "pids.events"),
            "freezer", List.of("freezer.state"),
            "unified", List.of("cgroup.events", "cgroup.kill", "cpu.stat"));

    @TempDir Path tmp;
    private final FakeProcessTable table = new FakeProcessTable(100, 1, 77);
    private final String owner = "jvm-100-1-77";
    private FakeCgroupFs fs;
    private Path cg;

    private FakeCgroupFs tree(List<String> hierarchies, List<String> without) throws Exception {
        cg = tmp.resolve("sys/fs/cgroup");
        List<Path> roots = new ArrayList<>();
        for (String h : hierarchies) {
            roots.add(cg.resolve(h));
        }
        fs = new FakeCgroupFs(roots, dir -> {
            String h = cg.relativize(dir).getName(0).toString();
            Map<String, String> files = new LinkedHashMap<>();
            files.put("cgroup.procs", "");
            for (String c : h.split(",")) {
                for (String f : FILES.getOrDefault(c, List.of())) {
                    if (!without.contains(f)) {
                        files.put(f, "");
                    }
                }
            }
            files.computeIfPresent("cgroup.events", (k, v) -> "populated 0\n");
            files.computeIfPresent("freezer.state", (k, v) -> "THAWED\n");
            return files;
        });
        for (Path r : roots) {
            Files.createDirectories(r);
            fs.put(r.resolve("cgroup.procs"), "100\n");
        }
        if (hierarchies.contains("cpuset")) {
            fs.put(cg.resolve("cpuset/cpuset.cpus"), "0-1\n");
            fs.put(cg.resolve("cpuset/cpuset.mems"), "0\n");
        }
        return fs;
    }

    private CgroupDriver hybrid(String... without) throws Exception {
        tree(List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd",
                "unified"), List.of(without));
        fs.mkdirs(cg.resolve("memory/process_api/abc"));
        return Drivers.detect(HostFixtures.HYBRID_MOUNTINFO, HostFixtures.HYBRID_CGROUP, tmp, fs, table);
    }

    private Path job(String hierarchy, String name) {
        Path own = hierarchy.equals("memory") ? cg.resolve("memory/process_api/abc") : cg.resolve(hierarchy);
        return own.resolve("joblet").resolve(owner).resolve(name);
    }

    @Test
    void hybridWritesEachLimitInItsHierarchy() throws Exception {
        CgroupDriver driver = hybrid();
        assertThat(driver.layout()).isEqualTo(CgroupLayout.HYBRID);
        assertThat(driver.availableControllers()).containsExactlyInAnyOrder(Controller.values());

        JobCgroup job = driver.create("j", CgroupLimits.builder().cpuPercent(20).cpuWeight(50)
                .memoryMaxBytes(64 << 20).memoryHighBytes(32 << 20).pidsMax(16).cpusetCpus("1")
                .io(new IoLimit(254, 0, 0, 2097152, 0, 100)).build());

        assertThat(job.v2Directory()).isEmpty();
        assertThat(job.procsFiles()).containsExactly(job("cpu", "j").resolve("cgroup.procs"),
                job("cpuacct", "j").resolve("cgroup.procs"), job("memory", "j").resolve("cgroup.procs"),
                job("blkio", "j").resolve("cgroup.procs"), job("pids", "j").resolve("cgroup.procs"),
                job("cpuset", "j").resolve("cgroup.procs"), job("unified", "j").resolve("cgroup.procs"));
        assertThat(fs.get(job("cpu", "j").resolve("cpu.cfs_period_us"))).isEqualTo("100000");
        assertThat(fs.get(job("cpu", "j").resolve("cpu.cfs_quota_us"))).isEqualTo("20000");
        assertThat(fs.get(job("cpu", "j").resolve("cpu.shares"))).isEqualTo("512");
        Path mem = job("memory", "j");
        assertThat(fs.get(mem.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(64 << 20));
        assertThat(fs.get(mem.resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(64 << 20));
        assertThat(fs.get(mem.resolve("memory.soft_limit_in_bytes"))).isEqualTo(Long.toString(32 << 20));
        assertThat(fs.get(mem.resolve("memory.oom_control"))).isEqualTo("0");
        assertThat(fs.get(mem.resolve("memory.kmem.tcp.limit_in_bytes"))).as("socket buffers bounded too")
                .isEqualTo(Long.toString(64 << 20));
        assertThat(fs.get(job("pids", "j").resolve("pids.max"))).isEqualTo("16");
        assertThat(fs.get(job("blkio", "j").resolve("blkio.throttle.write_bps_device"))).isEqualTo("254:0 2097152");
        assertThat(fs.get(job("blkio", "j").resolve("blkio.throttle.write_iops_device"))).isEqualTo("254:0 100");
        assertThat(fs.get(job("blkio", "j").resolve("blkio.throttle.read_bps_device"))).isEmpty();
        assertThat(fs.get(job("cpuset", "j").resolve("cpuset.cpus"))).isEqualTo("1");
        assertThat(fs.get(job("cpuset", "j").resolve("cpuset.mems"))).as("inherited").isEqualTo("0");
        assertThat(fs.get(job("cpuset", "j").getParent().resolve("cpuset.cpus"))).isEqualTo("0-1");
        assertThat(cg.resolve("freezer/joblet")).as("hybrid kills with cgroup.kill").doesNotExist();
        assertThat(driver.describe()).contains("hybrid", "process_api/abc");
    }

    @Test
    void withoutSwapAccountingSwapIsTurnedOffBySwappiness() throws Exception {
        CgroupDriver driver = hybrid("memory.memsw.limit_in_bytes");
        driver.create("a", CgroupLimits.builder().memoryMaxBytes(1 << 24).build());
        assertThat(fs.get(job("memory", "a").resolve("memory.swappiness"))).isEqualTo("0");

        assertThatThrownBy(() -> driver.create("b",
                        CgroupLimits.builder().memoryMaxBytes(1 << 24).swapMaxBytes(1 << 20).build()))
                .hasMessageContaining("memory.memsw.limit_in_bytes: No such file or directory");
        assertThat(job("memory", "b")).doesNotExist();
        assertThat(job("cpu", "b")).doesNotExist();
        assertThat(job("unified", "b")).doesNotExist();
    }

    @Test
    void aMissingControllerIsNamedWithTheLayout() throws Exception {
        tree(List.of("systemd", "cpu,cpuacct", "memory", "blkio", "cpuset", "freezer"), List.of());
        String mountinfo = HostFixtures.V1_MOUNTINFO.replace("31 25 0:29 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup"
                + " rw,pids\n", "");
        CgroupDriver driver = Drivers.detect(mountinfo, HostFixtures.V1_CGROUP.replace("4:pids:/system.slice/app"
                + ".service\n", ""), tmp, fs, table);
        assertThat(driver.layout()).isEqualTo(CgroupLayout.V1);
        assertThatThrownBy(() -> driver.create("j", CgroupLimits.builder().pidsMax(5).build()))
                .isInstanceOfSatisfying(CgroupException.class,
                        e -> assertThat(e.missingController()).hasValue(Controller.PIDS))
                .hasMessageContaining("controller pids is not available (layout V1");
    }

    private CgroupDriver pureV1() throws Exception {
        tree(List.of("systemd", "cpu,cpuacct", "memory", "pids", "blkio", "cpuset", "freezer"), List.of());
        for (String h : List.of("cpu,cpuacct", "memory", "pids", "blkio")) {
            fs.mkdirs(cg.resolve(h).resolve("system.slice/app.service"));
        }
        return Drivers.detect(HostFixtures.V1_MOUNTINFO, HostFixtures.V1_CGROUP, tmp, fs, table);
    }

    @Test
    void pureV1KillsByFreezingAndSignalling() throws Exception {
        JobCgroup job = pureV1().create("j", CgroupLimits.none());
        assertThat(job.procsFiles()).hasSize(5).last().asString().contains("freezer");
        for (Path procs : job.procsFiles()) {
            fs.write(procs, "700");
            fs.write(procs, "701");
        }
        table.onKill(fs::exitPid);
        assertThat(job.isPopulated()).isTrue();

        job.kill();

        assertThat(table.killed).containsExactlyInAnyOrder(700L, 701L);
        assertThat(job.isPopulated()).isFalse();
        assertThat(fs.writes).containsSubsequence("joblet/" + owner + "/j/freezer.state=FROZEN",
                "joblet/" + owner + "/j/freezer.state=THAWED");
        job.remove();
        job.remove();
        for (Path procs : job.procsFiles()) {
            assertThat(procs.getParent()).doesNotExist();
        }
    }

    @Test
    void hybridKillsWithTheUnifiedCgroupKill() throws Exception {
        JobCgroup job = hybrid().create("j", CgroupLimits.none());
        for (Path procs : job.procsFiles()) {
            fs.write(procs, "800");
        }
        job.remove();
        assertThat(table.killed).isEmpty();
        assertThat(fs.writes).contains("joblet/" + owner + "/j/cgroup.kill=1");
        assertThat(job("memory", "j")).doesNotExist();
    }

    @Test
    void statsComeFromEachHierarchy() throws Exception {
        JobCgroup job = hybrid().create("j", CgroupLimits.none());
        fs.put(job("cpuacct", "j").resolve("cpuacct.usage_user"), "3000000\n");
        fs.put(job("cpuacct", "j").resolve("cpuacct.usage_sys"), "1000000\n");
        fs.put(job("cpu", "j").resolve("cpu.stat"), "nr_periods 9\nnr_throttled 4\nthrottled_time 5000000\n");
        fs.put(job("memory", "j").resolve("memory.max_usage_in_bytes"), "900\n");
        fs.put(job("memory", "j").resolve("memory.usage_in_bytes"), "800\n");
        fs.put(job("memory", "j").resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        fs.put(job("pids", "j").resolve("pids.current"), "3\n");
        fs.put(job("pids", "j").resolve("pids.events"), "max 7\n");
        fs.put(job("blkio", "j").resolve("blkio.throttle.io_service_bytes"),
                "254:0 Read 10\n254:0 Write 4096\n254:0 Total 4106\nTotal 4106\n");

        assertThat(job.stats()).isEqualTo(new CgroupStats(3000, 1000, 5000, 4, 900, 800, 2, 3, -1, 7, 10, 4096));
        job.remove();
        assertThatThrownBy(job::stats).hasMessageContaining("No such file or directory");
    }

    @Test
    void cpuacctStatTicksAreTheFallback() throws Exception {
        JobCgroup job = hybrid("cpuacct.usage_user", "cpuacct.usage_sys").create("j", CgroupLimits.none());
        fs.put(job("cpuacct", "j").resolve("cpuacct.stat"), "user 12\nsystem 3\n");
        assertThat(job.stats().cpuUserMicros()).isEqualTo(120_000);
        assertThat(job.stats().cpuSystemMicros()).isEqualTo(30_000);
    }

    @Test
    void sweepCountsAJobSpanningHierarchiesOnce() throws Exception {
        CgroupDriver driver = pureV1();
        for (String h : List.of("cpu,cpuacct/system.slice/app.service", "memory/system.slice/app.service",
                "freezer")) {
            fs.mkdirs(cg.resolve(h).resolve("joblet/jvm-999-5-77/old"));
        }
        assertThat(driver.sweepStale()).isEqualTo(1);
        assertThat(cg.resolve("memory/system.slice/app.service/joblet/jvm-999-5-77")).doesNotExist();
        assertThat(cg.resolve("freezer/joblet/jvm-999-5-77")).doesNotExist();
    }

    @Test
    void anEmptyCgroupGoesWithOneRmdirPerDirectoryAndNothingElse() throws Exception {
        JobCgroup job = hybrid().create("j", CgroupLimits.none());
        fs.existsCalls.set(0);
        fs.listings.set(0);
        int writes = fs.writes.size();

        job.remove();

        for (Path procs : job.procsFiles()) {
            assertThat(procs.getParent()).doesNotExist();
        }
        assertThat(fs.existsCalls).as("exists calls").hasValue(0);
        assertThat(fs.listings).as("directory listings").hasValue(0);
        assertThat(fs.writes).as("no kill").hasSize(writes);
        job.remove();
        assertThat(table.killed).isEmpty();
    }

    @Test
    void aProcessInSomeHierarchiesOnlyIsKilledAndEveryDirectoryRemoved() throws Exception {
        CgroupDriver driver = pureV1();
        JobCgroup other = driver.create("other", CgroupLimits.none());
        for (Path procs : other.procsFiles()) {
            fs.write(procs, "900");
        }
        JobCgroup job = driver.create("j", CgroupLimits.none());
        List<Path> procs = job.procsFiles();
        // In the last two hierarchies only: the first directories go by the fast path, the rest the careful way.
        fs.write(procs.get(procs.size() - 2), "700");
        fs.write(procs.get(procs.size() - 1), "700");
        table.onKill(fs::exitPid);

        job.remove();

        assertThat(table.killed).containsExactly(700L);
        assertThat(fs.writes).contains("joblet/" + owner + "/j/freezer.state=FROZEN");
        for (Path p : procs) {
            assertThat(p.getParent()).doesNotExist();
        }
        assertThat(other.isPopulated()).as("another job's process is left alone").isTrue();
        assertThat(other.procsFiles().get(0).getParent()).exists();
    }

    @Test
    void childCgroupsAreRemovedWithTheJobAndTheirProcessesKilled() throws Exception {
        JobCgroup job = hybrid().create("j", CgroupLimits.none());
        fs.mkdirs(job("cpu", "j").resolve("empty-child"));
        fs.mkdirs(job("memory", "j").resolve("busy-child"));
        fs.mkdirs(job("unified", "j").resolve("busy-child"));
        fs.write(job("memory", "j").resolve("busy-child/cgroup.procs"), "801");
        fs.write(job("unified", "j").resolve("busy-child/cgroup.procs"), "801");

        job.remove();

        assertThat(fs.writes).contains("joblet/" + owner + "/j/cgroup.kill=1");
        for (Path procs : job.procsFiles()) {
            assertThat(procs.getParent()).doesNotExist();
        }
        assertThat(table.killed).as("cgroup.kill, no signal from us").isEmpty();
    }

    @Test
    void statsReadWithoutExistenceChecks() throws Exception {
        JobCgroup job = hybrid().create("j", CgroupLimits.none());
        fs.put(job("pids", "j").resolve("pids.current"), "3\n");
        fs.existsCalls.set(0);
        assertThat(job.stats().pidsCurrent()).isEqualTo(3);
        assertThat(job.stats().pidsPeak()).as("a file this kernel lacks").isEqualTo(-1);
        assertThat(fs.existsCalls).hasValue(0);
    }

    @Test
    void sharesFollowSystemdsMapping() {
        assertThat(V1Limits.shares(100)).isEqualTo(1024);
        assertThat(V1Limits.shares(1)).isEqualTo(10);
        assertThat(V1Limits.shares(10_000)).isEqualTo(102_400);
    }
}
