package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.JobSpec;
import dev.joblet.MemorySize;
import dev.joblet.Network;
import dev.joblet.JobRuntime;
import dev.joblet.Volume;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** How `rnx job run` arguments become a JobSpec, and how bad ones are refused; nothing here starts a job. */
class RunCommandTest {
    /** The spec `rnx job run ARGS...` would start. */
    private static JobSpec spec(String... runArgs) {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        List<String> all = new ArrayList<>(List.of("job", "run"));
        all.addAll(List.of(runArgs));
        CommandLine.ParseResult parsed = Rnx.commandLine(discard, discard).parseArgs(all.toArray(new String[0]));
        RunCommand run = (RunCommand) parsed.subcommand().subcommand().commandSpec().userObject();
        return run.toSpec();
    }

    /** Runs rnx on arguments that must be refused before any job starts. */
    private static Captured refused(String... runArgs) {
        List<String> all = new ArrayList<>(List.of("job", "run"));
        all.addAll(List.of(runArgs));
        Captured c = Captured.rnx(all.toArray(new String[0]));
        assertThat(c.status).as("%s", c).isEqualTo(2);
        assertThat(c.out()).isEmpty();
        assertThat(c.err()).contains("rnx job run --help");
        return c;
    }

    @Test
    void seedExamplesKeepTheirOwnOptions() {
        assertThat(spec("bash", "-c", "sleep 30 & sleep 40 & ps aux").command())
                .containsExactly("bash", "-c", "sleep 30 & sleep 40 & ps aux");
        assertThat(spec("top", "-b", "-n", "1").command()).containsExactly("top", "-b", "-n", "1");
        assertThat(spec("ps", "aux").command()).containsExactly("ps", "aux");
    }

    @Test
    void rnxOptionsAfterTheCommandBelongToTheCommand() {
        JobSpec s = spec("--max-cpu=50", "ls", "--json", "-e", "X=1", "--max-cpu=10", "--help", "-s", "Y");
        assertThat(s.command()).containsExactly("ls", "--json", "-e", "X=1", "--max-cpu=10", "--help", "-s", "Y");
        assertThat(s.env()).isEmpty();
        assertThat(s.cpuPercent()).hasValue(50);
    }

    @Test
    void doubleDashEndsOptionsEvenBeforeADashedCommand() {
        assertThat(spec("--", "-weird", "-x").command()).containsExactly("-weird", "-x");
        assertThat(spec("-e", "A=1", "--", "sh", "-c", "exit 3").command()).containsExactly("sh", "-c", "exit 3");
    }

    @Test
    void sizesAndInitReachTheSpec() {
        JobSpec s = spec("--tmp-size=2g", "--workspace-size=300", "--init", "true");
        assertThat(s.tmpSize()).isEqualTo(MemorySize.ofGigabytes(2));
        assertThat(s.workspaceSize()).isEqualTo(MemorySize.ofMegabytes(300));
        assertThat(s.init()).isTrue();
        JobSpec d = spec("--max-memory=300", "true");
        assertThat(d.tmpSize()).as("the memory limit by default").isEqualTo(MemorySize.ofMegabytes(300));
        assertThat(d.workspaceSize()).isEqualTo(MemorySize.ofMegabytes(JobSpec.DEFAULT_WORKSPACE_MEGABYTES));
        assertThat(d.init()).isFalse();
        assertThat(spec("--max-memory=0", "true").tmpSize())
                .isEqualTo(MemorySize.ofMegabytes(JobSpec.DEFAULT_TMP_MEGABYTES_UNLIMITED));
    }

    @Test
    void helpStatesTheSizeDefaults() {
        Captured c = Captured.rnx("job", "run", "--help");
        String help = c.out().replaceAll("\\s+", " ");
        assertThat(help).contains("--tmp-size=SIZE").contains("default: the memory limit")
                .contains(JobSpec.DEFAULT_TMP_MEGABYTES_UNLIMITED + " with --max-memory=0")
                .contains("--workspace-size=SIZE").contains("default " + JobSpec.DEFAULT_WORKSPACE_MEGABYTES + ")")
                .contains("--init");
    }

    @Test
    void atSignArgumentsAreNotArgumentFiles() {
        assertThat(spec("cat", "@/etc/passwd").command()).containsExactly("cat", "@/etc/passwd");
    }

    @Test
    void defaultsAreTheLibrarysDefaults() {
        JobSpec s = spec("true");
        assertThat(s.runtime()).isEqualTo(JobRuntime.host());
        assertThat(s.network()).isEqualTo(Network.NONE);
        assertThat(s.memory()).contains(JobSpec.DEFAULT_MEMORY);
        assertThat(s.cpuPercent()).isEmpty();
        assertThat(s.timeout()).isEmpty();
        assertThat(s.workdir()).isEqualTo("/work");
        assertThat(s.pidsMax()).isEqualTo(JobSpec.DEFAULT_PIDS_MAX);
        assertThat(s.ptysMax()).isEqualTo(JobSpec.DEFAULT_PTYS_MAX);
        assertThat(s.env()).isEmpty();
        assertThat(s.volumes()).isEmpty();
    }

    @Test
    void everyOptionReachesTheSpec() {
        JobSpec s = spec("--runtime=python-3.11-ml", "--max-cpu=150", "--max-memory=512", "--max-iobps=1048576",
                "--cpu-cores=0", "--network=host", "--timeout=2h30m", "--workdir=/tmp", "--hostname=box",
                "--pids-max=64", "--ptys-max=8", "python3", "-V");
        assertThat(s.runtime().name()).isEqualTo("python-3.11-ml");
        assertThat(s.cpuPercent()).hasValue(150);
        assertThat(s.memory()).hasValue(MemorySize.ofMegabytes(512));
        assertThat(s.ioBps()).isEqualTo(1048576);
        assertThat(s.cpus().orElseThrow().toString()).isEqualTo("0");
        assertThat(s.network()).isEqualTo(Network.HOST);
        assertThat(s.timeout()).hasValue(Duration.ofMinutes(150));
        assertThat(s.workdir()).isEqualTo("/tmp");
        assertThat(s.hostname()).hasValue("box");
        assertThat(s.pidsMax()).isEqualTo(64);
        assertThat(s.ptysMax()).isEqualTo(8);
        assertThat(s.command()).containsExactly("python3", "-V");
    }

    @Test
    void runtimeHostIsTheHostRuntime() {
        assertThat(spec("--runtime=host", "true").runtime()).isEqualTo(JobRuntime.host());
    }

    @Test
    void maxMemoryIsMegabytesUnlessItHasAUnit() {
        assertThat(spec("--max-memory=16", "true").memory()).hasValue(MemorySize.ofMegabytes(16));
        assertThat(spec("--max-memory=0", "true").memory()).as("0 lifts the default").isEmpty();
        assertThat(spec("--max-memory=2g", "true").memory()).hasValue(MemorySize.ofGigabytes(2));
        assertThat(spec("--max-memory=768m", "true").memory()).hasValue(MemorySize.ofMegabytes(768));
    }

    @Test
    void envTakesNameEqualsValueSplitAtTheFirstEquals() {
        JobSpec s = spec("-e", "A=1", "--env", "B=x=y", "-eC=", "--env=D=d", "true");
        assertThat(s.env()).containsExactly(Map.entry("A", "1"), Map.entry("B", "x=y"), Map.entry("C", ""),
                Map.entry("D", "d"));
    }

    @Test
    void aBareNamePassesRnxsOwnValue() {
        String path = System.getenv("PATH");
        assertThat(path).isNotNull();
        assertThat(spec("-e", "PATH", "true").env()).containsEntry("PATH", path);
    }

    @Test
    void secretEnvReachesTheJobButNotTheSpecsText() {
        JobSpec s = spec("-s", "TOKEN=hunter2", "--secret-env=KEY=k3y", "true");
        assertThat(s.env()).containsEntry("TOKEN", "hunter2").containsEntry("KEY", "k3y");
        assertThat(s.toString()).doesNotContain("hunter2").doesNotContain("k3y");
    }

    @Test
    void volumesAreReadOnlyUnlessRw() {
        List<Volume> v = spec("--volume=/srv/data:/data", "--volume=/srv/out:/out:rw", "--volume=/etc/hosts:/h:ro",
                "true").volumes();
        assertThat(v).containsExactly(new Volume(Path.of("/srv/data"), "/data", false),
                new Volume(Path.of("/srv/out"), "/out", true), new Volume(Path.of("/etc/hosts"), "/h", false));
    }

    @Test
    void aRelativeVolumeSourceIsTakenFromTheCurrentDirectory() {
        Volume v = spec("--volume=./data:/data", "true").volumes().get(0);
        assertThat(v.source()).isEqualTo(Path.of("data").toAbsolutePath());
    }

    @Test
    void timeoutsReadLikeAPerson() {
        assertThat(spec("--timeout=30s", "true").timeout()).hasValue(Duration.ofSeconds(30));
        assertThat(spec("--timeout=5m", "true").timeout()).hasValue(Duration.ofMinutes(5));
        assertThat(spec("--timeout=1h", "true").timeout()).hasValue(Duration.ofHours(1));
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertThat(refused("--bogus", "ls").err()).contains("Unknown option: '--bogus'");
    }

    @Test
    void missingCommandIsAUsageError() {
        assertThat(refused().err()).contains("COMMAND");
        assertThat(refused("--max-cpu=50").err()).contains("COMMAND");
    }

    @Test
    void badValuesNameTheOptionAndTheValue() {
        assertThat(refused("--timeout=soon", "true").err()).contains("--timeout").contains("'soon'");
        assertThat(refused("--timeout=30", "true").err()).contains("--timeout").contains("'30'");
        assertThat(refused("--timeout=0s", "true").err()).contains("--timeout").contains("must be positive");
        assertThat(refused("--max-memory=lots", "true").err()).contains("--max-memory").contains("'lots'");
        assertThat(refused("--max-memory=2", "true").err()).contains("--max-memory").contains("2 MiB");
        assertThat(refused("--max-cpu=abc", "true").err()).contains("--max-cpu").contains("abc");
        assertThat(refused("--max-cpu=0", "true").err()).contains("--max-cpu").contains("0%");
        assertThat(refused("--max-iobps=-5", "true").err()).contains("--max-iobps").contains("-5");
        assertThat(refused("--cpu-cores=3-1", "true").err()).contains("--cpu-cores").contains("3-1");
        assertThat(refused("--network=bridge", "true").err()).contains("--network").contains("'bridge'");
        assertThat(refused("--workdir=work", "true").err()).contains("--workdir").contains("(work)");
        assertThat(refused("--runtime=../etc", "true").err()).contains("--runtime").contains("../etc");
        assertThat(refused("--pids-max=-1", "true").err()).contains("--pids-max").contains("-1");
        assertThat(refused("--hostname=-x-", "true").err()).contains("--hostname").contains("-x-");
    }

    @Test
    void badVolumesNameTheValue() {
        assertThat(refused("--volume=/data", "true").err()).contains("--volume").contains("'/data'");
        assertThat(refused("--volume=/data:/d:rx", "true").err()).contains("--volume").contains("'rx'");
        assertThat(refused("--volume=/data:rel", "true").err()).contains("--volume").contains("(rel)");
        assertThat(refused("--volume=/data:/proc/x", "true").err()).contains("--volume").contains("/proc");
    }

    @Test
    void badEnvNamesTheVariable() {
        assertThat(refused("-e", "=x", "true").err()).contains("--env").contains("'=x'");
        assertThat(refused("-e", "RNX_TEST_SURELY_UNSET_VAR", "true").err())
                .contains("--env").contains("RNX_TEST_SURELY_UNSET_VAR").contains("not set");
    }

    @Test
    void badSecretEnvNeverShowsTheValue() {
        Captured c = refused("-s", "=hunter2", "true");
        assertThat(c.err()).contains("--secret-env").doesNotContain("hunter2");
        assertThat(refused("-s", "RNX_TEST_SURELY_UNSET_VAR", "true").err())
                .contains("--secret-env").contains("RNX_TEST_SURELY_UNSET_VAR");
    }
}
