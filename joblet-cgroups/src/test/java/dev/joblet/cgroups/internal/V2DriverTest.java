package dev.joblet.cgroups.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.cgroups.CgroupDriver;
import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.CgroupLayout;
import dev.joblet.cgroups.CgroupLimits;
import dev.joblet.cgroups.Controller;
import dev.joblet.cgroups.IoLimit;
import dev.joblet.cgroups.JobCgroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class V2DriverTest {
    private static final String ALL = "cpuset cpu io memory pids";

    @TempDir Path tmp;
    private Path root;
    private Path service;
    private FakeCgroupFs fs;
    private final FakeProcessTable table = new FakeProcessTable(100, 1, 77);
    private final String owner = "jvm-100-1-77";

    @BeforeEach
    void pureV2HostWithTheJvmInAService() throws Exception {
        root = tmp.resolve("sys/fs/cgroup");
        Files.createDirectories(root);
        fs = new FakeCgroupFs(List.of(root), dir -> FakeCgroupFs.v2Files());
        for (Map.Entry<String, String> f : FakeCgroupFs.v2Files().entrySet()) {
            fs.put(root.resolve(f.getKey()), f.getValue());
        }
        fs.put(root.resolve("cgroup.controllers"), ALL + "\n");
        fs.put(root.resolve("cgroup.subtree_control"), ALL + "\n");
        fs.mkdirs(root.resolve("system.slice"));
        fs.put(root.resolve("system.slice/cgroup.subtree_control"), ALL + "\n");
        service = root.resolve("system.slice/app.service");
        fs.mkdirs(service);
        fs.put(service.resolve("cgroup.procs"), "100\n101\n");
    }

    private CgroupDriver detect(String procSelfCgroup) throws CgroupException {
        return Drivers.detect(HostFixtures.V2_MOUNTINFO, procSelfCgroup, tmp, fs, table);
    }

    @Test
    void createMovesTheServiceIntoALeafEnablesControllersAndWritesLimits() throws Exception {
        CgroupDriver driver = detect(HostFixtures.V2_CGROUP);
        assertThat(driver.layout()).isEqualTo(CgroupLayout.V2);
        assertThat(driver.availableControllers()).containsExactlyInAnyOrder(Controller.values());

        JobCgroup job = driver.create("job1", CgroupLimits.builder()
                .cpuPercent(20).cpuWeight(50).memoryMaxBytes(64 << 20).memoryHighBytes(32 << 20).pidsMax(16)
                .cpusetCpus("0-1").cpusetMems("0").io(new IoLimit(254, 0, 0, 2097152, 0, 100)).build());

        Path dir = service.resolve("joblet").resolve(owner).resolve("job1");
        assertThat(job.v2Directory()).hasValue(dir);
        assertThat(job.procsFiles()).containsExactly(dir.resolve("cgroup.procs"));
        assertThat(fs.get(service.resolve("cgroup.procs"))).isBlank();
        assertThat(fs.get(service.resolve("joblet-jvm/cgroup.procs"))).isEqualTo("100\n101\n");
        for (Path p : List.of(service, service.resolve("joblet"), service.resolve("joblet").resolve(owner))) {
            assertThat(fs.get(p.resolve("cgroup.subtree_control")).split(" "))
                    .containsExactlyInAnyOrder(ALL.split(" "));
        }
        assertThat(fs.get(dir.resolve("cpu.max"))).isEqualTo("20000 100000");
        assertThat(fs.get(dir.resolve("cpu.weight"))).isEqualTo("50");
        assertThat(fs.get(dir.resolve("memory.max"))).isEqualTo(Long.toString(64 << 20));
        assertThat(fs.get(dir.resolve("memory.high"))).isEqualTo(Long.toString(32 << 20));
        assertThat(fs.get(dir.resolve("memory.swap.max"))).isEqualTo("0");
        assertThat(fs.get(dir.resolve("memory.oom.group"))).isEqualTo("1");
        assertThat(fs.get(dir.resolve("pids.max"))).isEqualTo("16");
        assertThat(fs.get(dir.resolve("cpuset.cpus"))).isEqualTo("0-1");
        assertThat(fs.get(dir.resolve("cpuset.mems"))).isEqualTo("0");
        assertThat(fs.get(dir.resolve("io.max"))).isEqualTo("254:0 rbps=max wbps=2097152 riops=max wiops=100");
        assertThat(driver.describe()).contains(service.toString(), "cpu", "memory");
    }

    @Test
    void theRootCgroupIsNeverEvacuated() throws Exception {
        fs.put(root.resolve("cgroup.procs"), "100\n");
        JobCgroup job = detect("0::/\n").create("j", CgroupLimits.builder().pidsMax(5).build());
        assertThat(root.resolve("joblet-jvm")).doesNotExist();
        assertThat(job.v2Directory()).hasValue(root.resolve("joblet").resolve(owner).resolve("j"));
    }

    @Test
    void aMissingControllerIsNamedAndNothingIsLeftBehind() throws Exception {
        fs.put(service.resolve("cgroup.controllers"), "cpu pids\n");
        CgroupDriver driver = detect(HostFixtures.V2_CGROUP);
        assertThat(driver.availableControllers()).containsExactlyInAnyOrder(Controller.CPU, Controller.PIDS);

        assertThatThrownBy(() -> driver.create("j", CgroupLimits.builder().memoryMaxBytes(1 << 24).build()))
                .isInstanceOfSatisfying(CgroupException.class,
                        e -> assertThat(e.missingController()).hasValue(Controller.MEMORY))
                .hasMessageContaining("controller memory is not available (layout V2");
        assertThat(service.resolve("joblet")).doesNotExist();
        assertThat(fs.get(service.resolve("cgroup.procs"))).isEqualTo("100\n101\n");
    }

    @Test
    void aRefusedLimitRemovesTheNewCgroup() throws Exception {
        fs = new FakeCgroupFs(List.of(root), dir -> {
            Map<String, String> files = new java.util.HashMap<>(FakeCgroupFs.v2Files());
            files.remove("io.max");
            return files;
        });
        CgroupDriver driver = detect(HostFixtures.V2_CGROUP);
        assertThatThrownBy(() -> driver.create("j", CgroupLimits.builder().io(IoLimit.of(8, 0).writeBps(1)).build()))
                .hasMessageContaining("io.max: No such file or directory");
        assertThat(service.resolve("joblet").resolve(owner).resolve("j")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a/b", "../x", "with space", "x\n"})
    void badNamesAreRejected(String name) throws Exception {
        CgroupDriver driver = detect(HostFixtures.V2_CGROUP);
        assertThatThrownBy(() -> driver.create(name, CgroupLimits.none()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("name (\"" + name + "\")");
    }

    @Test
    void tooLongNameIsRejected() throws Exception {
        assertThatThrownBy(() -> detect(HostFixtures.V2_CGROUP).create("a".repeat(65), CgroupLimits.none()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void killUsesCgroupKillAndRemoveIsIdempotent() throws Exception {
        CgroupDriver driver = detect(HostFixtures.V2_CGROUP);
        JobCgroup job = driver.create("j", CgroupLimits.none());
        fs.write(job.procsFiles().get(0), "555");
        assertThat(job.isPopulated()).isTrue();

        job.kill();
        assertThat(job.isPopulated()).isFalse();
        assertThat(fs.writes).contains("system.slice/app.service/joblet/" + owner + "/j/cgroup.kill=1");

        fs.write(job.procsFiles().get(0), "556");
        job.remove();
        assertThat(job.v2Directory().orElseThrow()).doesNotExist();
        job.remove();
        driver.close();
        assertThat(service.resolve("joblet").resolve(owner)).doesNotExist();
        assertThat(service.resolve("joblet")).exists();
    }

    @Test
    void anEmptyCgroupGoesWithOneRmdir() throws Exception {
        JobCgroup job = detect(HostFixtures.V2_CGROUP).create("j", CgroupLimits.none());
        fs.existsCalls.set(0);
        fs.listings.set(0);
        int writes = fs.writes.size();

        job.remove();

        assertThat(job.v2Directory().get()).doesNotExist();
        assertThat(fs.existsCalls).as("exists calls").hasValue(0);
        assertThat(fs.listings).as("directory listings").hasValue(0);
        assertThat(fs.writes).as("no kill").hasSize(writes);
        job.remove();
        assertThatThrownBy(job::stats).hasMessageContaining("No such file or directory");
    }

    @Test
    void aPopulatedCgroupWithAChildIsKilledAndRemoved() throws Exception {
        CgroupDriver driver = detect(HostFixtures.V2_CGROUP);
        JobCgroup other = driver.create("other", CgroupLimits.none());
        fs.write(other.procsFiles().get(0), "900");
        JobCgroup job = driver.create("j", CgroupLimits.none());
        Path dir = job.v2Directory().get();
        fs.mkdirs(dir.resolve("child"));
        fs.write(dir.resolve("cgroup.procs"), "700");
        fs.write(dir.resolve("child/cgroup.procs"), "701");

        job.remove();

        assertThat(fs.writes).contains("system.slice/app.service/joblet/" + owner + "/j/cgroup.kill=1");
        assertThat(dir).doesNotExist();
        assertThat(fs.get(other.procsFiles().get(0))).as("another job's process is left alone").isEqualTo("900\n");
    }

    @Test
    void aChildCgroupAloneIsRemovedWithItsParent() throws Exception {
        JobCgroup job = detect(HostFixtures.V2_CGROUP).create("j", CgroupLimits.none());
        Path dir = job.v2Directory().get();
        fs.mkdirs(dir.resolve("a/b"));
        int writes = fs.writes.size();

        job.remove();

        assertThat(dir).doesNotExist();
        assertThat(fs.writes).as("nothing to kill").hasSize(writes);
    }

    @Test
    void sweepRemovesOnlyDeadOwnersJobs() throws Exception {
        Path joblet = service.resolve("joblet");
        fs.mkdirs(joblet.resolve("jvm-999-5-77/stale1"));
        fs.mkdirs(joblet.resolve("jvm-999-5-77/stale2/child"));
        fs.write(joblet.resolve("jvm-999-5-77/stale1/cgroup.procs"), "600");
        fs.mkdirs(joblet.resolve("jvm-200-7-77/live"));
        table.startTimes.put(200L, 7L);
        fs.mkdirs(joblet.resolve("jvm-300-7-78/othernamespace"));
        fs.mkdirs(joblet.resolve("not-an-owner/x"));
        CgroupDriver driver = detect(HostFixtures.V2_CGROUP);
        driver.create("mine", CgroupLimits.none());

        assertThat(driver.sweepStale()).isEqualTo(2);

        assertThat(joblet.resolve("jvm-999-5-77")).doesNotExist();
        assertThat(joblet.resolve("jvm-200-7-77/live")).exists();
        assertThat(joblet.resolve("jvm-300-7-78/othernamespace")).exists();
        assertThat(joblet.resolve("not-an-owner/x")).exists();
        assertThat(joblet.resolve(owner).resolve("mine")).exists();
    }

    @Test
    void aDelegatedRootHoldsTheOwnerDirectoriesDirectly() throws Exception {
        Path delegated = root.resolve("system.slice/app.service");
        fs.put(delegated.resolve("cgroup.procs"), "");
        CgroupDriver driver = Drivers.forRoot(delegated, fs, table);
        JobCgroup job = driver.create("j", CgroupLimits.builder().pidsMax(3).build());
        assertThat(job.v2Directory()).hasValue(delegated.resolve(owner).resolve("j"));
        assertThat(driver.availableControllers()).isEqualTo(Set.of(Controller.values()));
    }

    @Test
    void aDirectoryThatIsNoV2CgroupIsRefused() {
        assertThatThrownBy(() -> Drivers.forRoot(tmp, fs, table))
                .hasMessageContaining("cgroup.controllers: No such file or directory (not a cgroup v2 directory)");
    }
}
