package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.cgroups.IoLimit;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every value of a spec survives {@code toBuilder().build()}: JobSpec's fields and the builder's state
 * (SpecProcessOptions) are declared in two files, and the copy between them is written by hand, so this checks
 * each field by reflection, with a spec where every field differs from the default.
 */
class JobSpecToBuilderTest {
    /** Set apart, with why: a published port needs a PrivateNetwork, which is created on the host (root). */
    private static final Set<String> NOT_SET_HERE = Set.of("published");

    @Test
    void theBuilderHoldsExactlyTheSpecsFields() {
        assertThat(names(JobSpec.class)).isEqualTo(names(SpecProcessOptions.class));
    }

    @Test
    void everyFieldSurvivesToBuilder() throws Exception {
        long[] disk = BlockDevices.wholeDiskOf(Path.of("/"));
        JobSpec spec = Joblet.builder().command("prog", "arg").env("A", "b").runtime(JobRuntime.named("some-runtime"))
                .workdir("/tmp").hostname("h1").cpu(50).memory(MemorySize.ofMegabytes(64)).cpus(CpuSet.parse("0"))
                .pidsMax(10).ptysMax(3).ioBps(1000).cpuWeight(50).memoryHigh(MemorySize.ofMegabytes(32))
                .io(IoLimit.of((int) disk[0], (int) disk[1]).writeBps(1000)).network(Network.HOST)
                .volume(Path.of("/tmp"), "/mnt").memoryVolume("/scratch", MemorySize.ofMegabytes(1))
                .timeout(Duration.ofSeconds(1)).stopGrace(Duration.ofSeconds(1))
                .stdin("in".getBytes(StandardCharsets.UTF_8)).tty(30, 100).init(true).workspaceSize(MemorySize.ofMegabytes(128))
                .tmpSize(MemorySize.ofMegabytes(32)).workspaceInodes(5).tmpInodes(6)
                .outputBuffer(MemorySize.ofMegabytes(1)).user(1000, 1000)
                .upload(Upload.bytes("x".getBytes(StandardCharsets.UTF_8), "x")).retainWorkspace(true)
                .writableLayer(MemorySize.ofMegabytes(1)).logSpill(Path.of("/tmp"))
                .build();
        JobSpec defaults = Joblet.builder().command("true").build();
        JobSpec copy = spec.toBuilder().build();
        List<String> unchanged = new ArrayList<>();
        for (Field f : fields(JobSpec.class)) {
            Object value = f.get(spec);
            assertThat(Objects.deepEquals(f.get(copy), value)).as("field %s survives toBuilder()", f.getName()).isTrue();
            if (Objects.deepEquals(f.get(defaults), value) && !NOT_SET_HERE.contains(f.getName())) {
                unchanged.add(f.getName());
            }
        }
        assertThat(unchanged).as("fields this test leaves at their default (set them above)").isEmpty();
    }

    private static List<Field> fields(Class<?> c) {
        List<Field> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                out.add(f);
            }
        }
        return out;
    }

    private static Set<String> names(Class<?> c) {
        Set<String> out = new TreeSet<>();
        fields(c).forEach(f -> out.add(f.getName()));
        return out;
    }
}
