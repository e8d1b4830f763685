package dev.joblet.examples.rnx;

import static dev.joblet.examples.rnx.Captured.rnx;
import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnx monitor}: real detached jobs burning CPU appear in status, top and watch with growing CPU time. */
@NeedsRoot("for detached jobs' cgroups")
class RnxMonitorTest {
    @TempDir
    Path state;

    private final List<String> started = new ArrayList<>();

    @BeforeEach
    void useState() {
        System.setProperty("joblet.stateRoot", state.toString());
    }

    @AfterEach
    void stopJobs() {
        try {
            for (String id : started) {
                rnx("job", "stop", id, "--grace", "1s");
                Captured d = rnx("job", "delete", id);
                assertThat(d.status).as("%s", d).isZero();
            }
        } finally {
            System.clearProperty("joblet.stateRoot");
        }
    }

    private String burner(String name) {
        Captured c = rnx("job", "run", "-d", "--name", name, "--", "sh", "-c", "while :; do :; done");
        assertThat(c.status).as("%s", c).isZero();
        String id = c.out().trim();
        started.add(id);
        return id;
    }

    /** The cpuMicros of the job {@code id} in each JSON line that has it. */
    private static List<Long> cpuMicros(String out, String id) {
        List<Long> cpu = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\"id\":\"" + id + "\",[^}]*\"cpuPercent\":([0-9.]+),\"cpuMicros\":(\\d+)")
                .matcher(out);
        while (m.find()) {
            assertThat(Double.parseDouble(m.group(1))).as("a burning job's CPU share").isGreaterThan(1.0);
            cpu.add(Long.parseLong(m.group(2)));
        }
        return cpu;
    }

    @Test
    void burningJobsAppearInTopWithGrowingCpuTime() {
        String a = burner("burn-a");
        String b = burner("burn-b");
        Captured top = rnx("monitor", "top", "--json", "--count=3", "--interval=500ms");
        assertThat(top.status).as("%s", top).isZero();
        String[] frames = top.out().split("\n");
        assertThat(frames).as("one JSON document per refresh").hasSize(3);
        for (String f : frames) {
            assertThat(f).startsWith("{\"timeMs\":").contains("\"sort\":\"cpu\"").contains("\"name\":\"burn-a\"")
                    .contains("\"name\":\"burn-b\"");
        }
        for (String id : List.of(a, b)) {
            List<Long> cpu = cpuMicros(top.out(), id);
            assertThat(cpu).as("job %s in every frame", id).hasSize(3);
            assertThat(cpu.get(1)).isGreaterThan(cpu.get(0));
            assertThat(cpu.get(2)).isGreaterThan(cpu.get(1));
        }
        Captured text = rnx("monitor", "top", "--sort=memory", "--count=1", "--interval=200ms");
        assertThat(text.out()).as("no ANSI redraw when stdout is not a terminal").doesNotContain("\033[")
                .contains("2 running, by memory").contains(a.substring(0, 8)).contains(b.substring(0, 8));
    }

    @Test
    void statusShowsTheHostAndTheRunningJobsAndWatchStreamsSamples() {
        String a = burner("burn-status");
        Captured status = rnx("monitor", "status", "--interval=300ms");
        assertThat(status.status).as("%s", status).isZero();
        assertThat(status.out()).containsPattern("(?m)^host: +cpus \\d+  load ").contains("disk:     state    " + state)
                .containsPattern("(?m)^network: +lo ").containsPattern("(?m)^cgroups: +(v1|v2|hybrid), own cgroup /")
                .contains("jobs:     1 running").contains(a.substring(0, 8)).contains("burn-status");
        Captured json = rnx("monitor", "status", "--json", "--interval=300ms");
        assertThat(json.out()).startsWith("{\"host\":{\"cpus\":").contains("\"role\":\"state\"")
                .contains("\"cgroups\":{\"layout\":").contains("\"id\":\"" + a + "\"");
        Captured watch = rnx("monitor", "watch", "--json", "--count=2", "--interval=400ms");
        assertThat(watch.status).as("%s", watch).isZero();
        String[] lines = watch.out().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).startsWith("{\"kind\":\"host\"");
        assertThat(lines[1]).startsWith("{\"kind\":\"job\",\"job\":{\"id\":\"" + a + "\"");
        assertThat(cpuMicros(watch.out(), a)).hasSize(2).isSorted();
    }
}
