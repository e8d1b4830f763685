package dev.joblet.namespaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class LaunchRequestTest {

    /** Every option set to something other than its default. */
    private static LaunchRequest everythingSet() {
        BitSet cpus = new BitSet();
        cpus.set(1);
        return LaunchRequest.builder()
                .argv(List.of("top", "-n", "1"))
                .env(List.of("TERM=xterm"))
                .hostname("h")
                .workdir("/work")
                .stagingDir("/run/x")
                .network(false)
                .noNewPrivs(false)
                .mounts(List.of(MountOp.tmpfs("/tmp", "size=1m"), MountOp.dev("/dev", 8)))
                .cgroupProcsFiles(List.of(Path.of("/sys/fs/cgroup/pids/j/tasks")))
                .cgroup2Dir(Path.of("/sys/fs/cgroup/unified/j"))
                .cpuAffinity(cpus)
                .stdin(new byte[] {1})
                .fault(Stage.CLONE, 1)
                .ids(65534, 65534)
                .capabilities(0)
                .rlimits(List.of(new Rlimit(7, 1024, 4096)))
                .seccompFilter(BpfProgram.of(new byte[] {6, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f}))
                .maskProc(true)
                .userNamespace(new UserNamespace("0 65534 1\n", "0 65534 1\n", true))
                .netns(Path.of("/proc/1/fd/9"))
                .tty(true)
                .terminalSize(new TerminalSize(30, 100))
                .init(true)
                .build();
    }

    @Test
    void toBuilderKeepsEveryField() throws Exception {
        LaunchRequest original = everythingSet();
        LaunchRequest copy = original.toBuilder().build();
        LaunchRequest defaults = LaunchRequest.builder().argv(List.of("true")).build();
        for (Field f : LaunchRequest.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            f.setAccessible(true);
            // The check is only worth something for a field this test sets: a new field must be added above.
            assertThat(Objects.deepEquals(f.get(original), f.get(defaults))).as("%s is set by the test", f.getName()).isFalse();
            assertThat(Objects.deepEquals(f.get(copy), f.get(original))).as("%s survives toBuilder()", f.getName()).isTrue();
        }
    }

    @Test
    void aTtyNeedsADevMountBecauseTheTerminalIsMadeInTheJobsOwnDevpts() {
        assertThatThrownBy(() -> LaunchRequest.builder().argv(List.of("tty")).mounts(List.of(MountOp.tmpfs("/tmp", "")))
                .tty(true).build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tty (true) needs a /dev mount");
    }

    @Test
    void aTerminalSizeNeedsATtyAndCellsTheKernelCanHold() {
        assertThatThrownBy(() -> LaunchRequest.builder().argv(List.of("true")).terminalSize(TerminalSize.DEFAULT).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("terminalSize (24x80) needs tty (true)");
        assertThatThrownBy(() -> new TerminalSize(0, 80)).hasMessage("terminal rows must be 1 to 65535, got 0");
        assertThatThrownBy(() -> new TerminalSize(24, 65536)).hasMessage("terminal columns must be 1 to 65535, got 65536");
    }

    @Test
    void theDevptsBoundIsItsMaxOptionAndIsChecked() {
        assertThat(MountOp.dev("/dev", 64).data()).isEqualTo("max=64");
        assertThat(MountOp.dev("/dev").data()).isEmpty();
        assertThatThrownBy(() -> MountOp.dev("/dev", -1)).hasMessage("maxPtys (-1) must be 0-1048576");
        assertThatThrownBy(() -> MountOp.dev("/dev", MountOp.MAX_PTYS + 1)).hasMessage("maxPtys (1048577) must be 0-1048576");
    }
}
