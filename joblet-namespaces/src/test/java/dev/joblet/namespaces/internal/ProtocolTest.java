package dev.joblet.namespaces.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.namespaces.BpfProgram;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.MountOp;
import dev.joblet.namespaces.Rlimit;
import dev.joblet.namespaces.Stage;
import dev.joblet.namespaces.TerminalSize;
import dev.joblet.namespaces.UserNamespace;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Java half of the wire format, read back the way config.c parses it, and checked against the
 * constants in helper.h (the other half). No privileges needed.
 */
class ProtocolTest {

    private static LaunchRequest.Builder minimal() {
        return LaunchRequest.builder().argv(List.of("true")).stagingDir("/staging").workdir("/work");
    }

    @Test
    void headerIsMagicVersionAndExactBodyLength() {
        byte[] msg = Protocol.encode(minimal().build());
        ByteBuffer b = ByteBuffer.wrap(msg).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(msg, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("JBLT");
        assertThat(b.getInt(0)).isEqualTo(Protocol.MSG_CONFIG).isEqualTo(0x544C424A);
        assertThat(b.getInt(4)).isEqualTo(Protocol.PROTO_VERSION).isEqualTo(1);
        assertThat(b.getInt(8)).isEqualTo(msg.length - 12);
    }

    @Test
    void bodyFieldsAreInTheOrderConfigParseReadsThem() {
        BitSet cpus = new BitSet();
        cpus.set(1);
        LaunchRequest r = minimal()
                .argv(List.of("/bin/sh", "-c", "echo hi"))
                .env(List.of("PATH=/usr/bin", "A=b c"))
                .hostname("job-1")
                .workdir("/work/sub")
                .stagingDir("/run/stage")
                .cgroupProcsFiles(List.of(Path.of("/sys/fs/cgroup/pids/x/cgroup.procs"),
                        Path.of("/sys/fs/cgroup/memory/x/cgroup.procs")))
                .cgroup2Dir(Path.of("/sys/fs/cgroup/x"))
                .mounts(List.of(
                        MountOp.bind("/usr", "/usr", true),
                        MountOp.optionalBind("/lib64", "/lib64"),
                        MountOp.tmpfs("/tmp", "mode=1777,size=16m"),
                        MountOp.symlink("usr/bin", "/bin"),
                        MountOp.proc("/proc"),
                        MountOp.dev("/dev"),
                        MountOp.dir("/etc"),
                        MountOp.bind("/data", "/work/data", false)))
                .cpuAffinity(cpus)
                .netns(Path.of("/run/netns/j1"))
                .fault(Stage.MOUNT, 5)
                .build();

        Body d = Body.of(Protocol.encode(r));
        assertThat(d.u32()).as("flags").isEqualTo(Protocol.CFG_NEWNET | Protocol.CFG_NO_NEW_PRIVS
                | Protocol.CFG_ROOT_READONLY | Protocol.CFG_NEWCGROUP);
        assertThat(d.u32()).as("fault").isEqualTo(5 << 8 | Stage.MOUNT.code());
        assertThat(d.str()).as("staging").isEqualTo("/run/stage");
        assertThat(d.str()).as("hostname").isEqualTo("job-1");
        assertThat(d.str()).as("workdir").isEqualTo("/work/sub");
        assertThat(d.strings()).as("argv").containsExactly("/bin/sh", "-c", "echo hi");
        assertThat(d.strings()).as("envp").containsExactly("PATH=/usr/bin", "A=b c");
        assertThat(d.strings()).as("cgroup.procs files")
                .containsExactly("/sys/fs/cgroup/pids/x/cgroup.procs", "/sys/fs/cgroup/memory/x/cgroup.procs");
        assertThat(d.str()).as("cgroup2 dir").isEqualTo("/sys/fs/cgroup/x");
        assertThat(d.u32()).as("nmounts").isEqualTo(8);
        for (MountOp m : r.mounts()) {
            assertThat(d.u32()).as("kind of %s", m).isEqualTo(m.kind().code());
            int flags = (m.readOnly() ? Protocol.MF_READONLY : 0) | (m.optional() ? Protocol.MF_OPTIONAL : 0);
            assertThat(d.u32()).as("flags of %s", m).isEqualTo(flags);
            assertThat(d.str()).as("source of %s", m).isEqualTo(m.source());
            assertThat(d.str()).as("target of %s", m).isEqualTo(m.target());
            assertThat(d.str()).as("data of %s", m).isEqualTo(m.data());
        }
        assertThat(d.u32()).as("cpumask length").isEqualTo(1);
        assertThat(d.bytes(1)).as("cpumask").containsExactly(0b10);
        assertThat(d.u32()).as("security flags").isZero();
        assertThat(d.u32()).as("uid: keep").isEqualTo(-1);
        assertThat(d.u32()).as("gid: keep").isEqualTo(-1);
        assertThat(d.u32()).as("capabilities, low word: all").isEqualTo(-1);
        assertThat(d.u32()).as("capabilities, high word: all").isEqualTo(-1);
        assertThat(d.u32()).as("rlimits").isZero();
        assertThat(d.u32()).as("seccomp instructions").isZero();
        assertThat(d.str()).as("uid_map").isEmpty();
        assertThat(d.str()).as("gid_map").isEmpty();
        assertThat(d.str()).as("netns path").isEqualTo("/run/netns/j1");
        assertThat(d.u32()).as("terminal size, appended last: none").isZero();
        assertThat(d.remaining()).as("nothing after the terminal size").isZero();
    }

    @Test
    void absentOptionalFieldsAreEmptyNotMissing() {
        Body d = Body.of(Protocol.encode(minimal().build()));
        d.u32(); // flags
        assertThat(d.u32()).as("no fault").isZero();
        assertThat(d.str()).isEqualTo("/staging");
        assertThat(d.str()).as("hostname").isEmpty();
        assertThat(d.str()).isEqualTo("/work");
        assertThat(d.strings()).containsExactly("true");
        assertThat(d.strings()).as("env").isEmpty();
        assertThat(d.strings()).as("cgroups").isEmpty();
        assertThat(d.str()).as("cgroup2 dir").isEmpty();
        assertThat(d.u32()).as("nmounts").isZero();
        assertThat(d.u32()).as("cpumask length: no affinity").isZero();
        assertThat(d.bytes(9 * 4 - 8)).as("security fields: flags, ids, caps, rlimit and seccomp counts").hasSize(28);
        assertThat(d.str()).isEmpty();
        assertThat(d.str()).isEmpty();
        assertThat(d.str()).as("netns: none").isEmpty();
        assertThat(d.u32()).as("terminal size: none").isZero();
        assertThat(d.remaining()).isZero();
    }

    @Test
    void securityFieldsFollowTheCpumaskInTheOrderConfigParseReadsThem() {
        BpfProgram filter = BpfProgram.of(new byte[] {6, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f});
        Body d = Body.of(Protocol.encode(minimal().ids(65534, 65533).capabilities(1L << 10 | 1L << 33)
                .rlimits(List.of(new Rlimit(7, 1024, -1))).seccompFilter(filter).maskProc(true)
                .userNamespace(new UserNamespace("0 1000 1\n", "0 100 1\n", true)).build()));
        d.skipTo("cpumask", 0);
        assertThat(d.u32()).isZero();
        assertThat(d.u32()).as("security flags")
                .isEqualTo(Protocol.SEC_MASK_PROC | Protocol.SEC_USERNS | Protocol.SEC_SETGROUPS_DENY);
        assertThat(d.u32()).as("uid").isEqualTo(65534);
        assertThat(d.u32()).as("gid").isEqualTo(65533);
        assertThat(d.u32()).as("caps low").isEqualTo(1 << 10);
        assertThat(d.u32()).as("caps high").isEqualTo(1 << 1);
        assertThat(d.u32()).as("rlimit count").isEqualTo(1);
        assertThat(d.u32()).as("resource").isEqualTo(7);
        assertThat(d.u32()).as("soft, low").isEqualTo(1024);
        assertThat(d.u32()).as("soft, high").isZero();
        assertThat(d.u32()).as("hard, low: infinity").isEqualTo(-1);
        assertThat(d.u32()).as("hard, high: infinity").isEqualTo(-1);
        assertThat(d.u32()).as("seccomp instructions").isEqualTo(1);
        assertThat(d.bytes(8)).containsExactly(6, 0, 0, 0, 0, 0, 0xff, 0x7f);
        assertThat(d.str()).isEqualTo("0 1000 1\n");
        assertThat(d.str()).isEqualTo("0 100 1\n");
        assertThat(d.str()).as("netns: none").isEmpty();
        assertThat(d.u32()).as("terminal size, appended last: none").isZero();
        assertThat(d.remaining()).isZero();
    }

    @Test
    void theTerminalSizeIsOneWordOfRowsAndColumnsAfterTheNetnsPath() {
        byte[] m = Protocol.encode(minimal().tty(true).mounts(List.of(MountOp.dev("/dev")))
                .terminalSize(new TerminalSize(37, 65535)).build());
        int last = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getInt(m.length - 4);
        assertThat(last).as("rows << 16 | columns, the body's last word").isEqualTo(37 << 16 | 0xFFFF);
    }

    @Test
    void stringsAreUtf8PrefixedWithTheirByteLength() {
        Body d = Body.of(Protocol.encode(minimal().hostname("hôst-ü").build()));
        d.u32();
        d.u32();
        d.str();
        int len = d.u32();
        assertThat(len).isEqualTo("hôst-ü".getBytes(StandardCharsets.UTF_8).length).isEqualTo(8);
        assertThat(new String(d.bytes(len), StandardCharsets.UTF_8)).isEqualTo("hôst-ü");
    }

    @Test
    void flagsFollowTheRequestAndAlwaysIsolateRootAndCgroupNamespace() {
        int flags = Body.of(Protocol.encode(minimal().network(false).noNewPrivs(false).build())).u32();
        assertThat(flags).isEqualTo(Protocol.CFG_ROOT_READONLY | Protocol.CFG_NEWCGROUP);
        flags = Body.of(Protocol.encode(minimal().network(true).noNewPrivs(false).build())).u32();
        assertThat(flags).isEqualTo(Protocol.CFG_ROOT_READONLY | Protocol.CFG_NEWCGROUP | Protocol.CFG_NEWNET);
    }

    @Test
    void cpuAffinityIsACpuSetBitmaskLowCpuInTheLowBitOfTheFirstByte() {
        BitSet cpus = new BitSet();
        cpus.set(0);
        cpus.set(9);
        cpus.set(63);
        Body d = Body.of(Protocol.encode(minimal().cpuAffinity(cpus).build()));
        d.skipTo("cpumask", 0);
        assertThat(d.u32()).isEqualTo(8);
        assertThat(d.bytes(8)).containsExactly(0x01, 0x02, 0, 0, 0, 0, 0, 0x80);
    }

    @Test
    void faultWordIsErrnoAboveTheStageByte() {
        Body d = Body.of(Protocol.encode(minimal().fault(Stage.PIVOT_ROOT, 28).build()));
        d.u32();
        int fault = d.u32();
        assertThat(fault & 0xff).isEqualTo(Stage.PIVOT_ROOT.code());
        assertThat(fault >>> 8).isEqualTo(28);
    }

    @Test
    void signalCommandIsKindVersionAndSignal() {
        assertThat(Protocol.signalCommand(15)).containsExactly('S', 'I', 'G', 'L', 1, 0, 0, 0, 15, 0, 0, 0);
        assertThat(Protocol.signalCommand(9)).hasSize(Protocol.COMMAND_SIZE);
        assertThat(Protocol.u32(Protocol.signalCommand(9), 0)).isEqualTo(Protocol.MSG_SIGNAL);
    }

    @Test
    void everyMessageTheJvmSendsOpensWithItsKindAndTheVersion() {
        LaunchRequest r = minimal().build();
        Map<String, byte[]> sent = Map.of("config", Protocol.encode(r), "warm", Protocol.encodeWarm(List.of(), false),
                "exec", Protocol.encodeExec(r), "discard", Protocol.discard(), "signal", Protocol.signalCommand(9));
        Map<String, Integer> kinds = Map.of("config", Protocol.MSG_CONFIG, "warm", Protocol.MSG_WARM,
                "exec", Protocol.MSG_EXEC, "discard", Protocol.MSG_DISCARD, "signal", Protocol.MSG_SIGNAL);
        sent.forEach((name, m) -> {
            assertThat(Protocol.u32(m, 0)).as("kind of %s", name).isEqualTo(kinds.get(name));
            assertThat(Protocol.u32(m, 4)).as("version of %s", name).isEqualTo(Protocol.PROTO_VERSION);
            if (!name.equals("signal")) {
                assertThat(Protocol.u32(m, 8)).as("body length of %s", name).isEqualTo(m.length - Protocol.HEADER_SIZE);
            }
        });
    }

    @Test
    void u32ReadsLittleEndianUnsignedBytes() {
        assertThat(Protocol.u32(new byte[] {(byte) 0xff, (byte) 0xfe, 0x01, (byte) 0x80}, 0)).isEqualTo(0x8001feff);
    }

    // helper.h is the other half: HelperHeaderTest checks that every shared constant agrees.

    /** Reads a config message body the way config.c does. */
    static final class Body {
        private final ByteBuffer b;

        private Body(ByteBuffer b) {
            this.b = b;
        }

        static Body of(byte[] message) {
            ByteBuffer b = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
            b.position(12);
            return new Body(b);
        }

        int u32() {
            return b.getInt();
        }

        byte[] bytes(int n) {
            byte[] out = new byte[n];
            b.get(out);
            return out;
        }

        String str() {
            return new String(bytes(u32()), StandardCharsets.UTF_8);
        }

        List<String> strings() {
            int n = u32();
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(str());
            }
            return out;
        }

        int remaining() {
            return b.remaining();
        }

        /** Skips the fields before the cpumask (for a request with {@code nmounts} mounts). */
        void skipTo(String field, int nmounts) {
            assertThat(field).isEqualTo("cpumask");
            u32();
            u32();
            str();
            str();
            str();
            strings();
            strings();
            strings();
            str();
            assertThat(u32()).isEqualTo(nmounts);
        }
    }
}
