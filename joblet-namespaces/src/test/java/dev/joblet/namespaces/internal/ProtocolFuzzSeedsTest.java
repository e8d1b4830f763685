package dev.joblet.namespaces.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.namespaces.BpfProgram;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.MountOp;
import dev.joblet.namespaces.Rlimit;
import dev.joblet.namespaces.UserNamespace;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Writes real control-pipe streams, as the JVM sends them, to {@code target/fuzz/seeds}: the seed corpus of the
 * helper's parser fuzzer (src/test/fuzz, run by ./test after the build). Each seed is the whole stream in the
 * order the helper reads it: [warm message] config message [exec message] {control command}.
 */
class ProtocolFuzzSeedsTest {

    static Map<String, byte[]> seeds() {
        LaunchRequest minimal = LaunchRequest.builder().argv(List.of("true")).stagingDir("/staging").workdir("/work")
                .build();
        BitSet cpus = new BitSet();
        cpus.set(0);
        cpus.set(3);
        byte[] filter = new byte[16]; // two instructions: ld [0]; ret ALLOW
        filter[8] = 0x06;
        filter[14] = (byte) 0xff;
        filter[15] = 0x7f;
        LaunchRequest full = minimal.toBuilder()
                .argv(List.of("/bin/sh", "-c", "echo hi"))
                .env(List.of("PATH=/usr/bin", "HOME=/work", "TERM=xterm"))
                .hostname("job-3f2a1b2c")
                .cgroupProcsFiles(List.of(Path.of("/sys/fs/cgroup/pids/j/cgroup.procs"),
                        Path.of("/sys/fs/cgroup/memory/j/cgroup.procs")))
                .cgroup2Dir(Path.of("/sys/fs/cgroup/j"))
                .mounts(List.of(MountOp.bind("/usr", "/usr", true), MountOp.optionalBind("/lib64", "/lib64"),
                        MountOp.tmpfs("/tmp", "mode=1777,size=64m"), MountOp.symlink("usr/bin", "/bin"),
                        MountOp.proc("/proc"), MountOp.dev("/dev"), MountOp.dir("/etc")))
                .cpuAffinity(cpus)
                .ids(65534, 65534)
                .capabilities(1L << 21)
                .rlimits(List.of(new Rlimit(7, 1024, 4096), new Rlimit(4, 0, 0)))
                .seccompFilter(BpfProgram.of(filter))
                .maskProc(true)
                .userNamespace(new UserNamespace("0 100000 65536\n", "0 100000 65536\n", true))
                .netns(Path.of("/run/netns/j"))
                .build();
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("config-minimal", Protocol.encode(minimal));
        seeds.put("config-full", concat(Protocol.encode(full), Protocol.signalCommand(15), Protocol.signalCommand(9)));
        seeds.put("warm-then-config", concat(
                Protocol.encodeWarm(List.of(Path.of("/sys/fs/cgroup/pids/w/cgroup.procs")), true),
                Protocol.encode(full.toBuilder().cgroupProcsFiles(List.of()).build())));
        seeds.put("warm-deferred-exec", concat(
                Protocol.encodeWarm(List.of(), false),
                Protocol.encode(Protocol.template(full), Protocol.CFG_DEFER_EXEC | Protocol.CFG_EARLY_SECCOMP),
                Protocol.encodeExec(full), Protocol.signalCommand(15)));
        return seeds;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void writesTheSeedCorpusFromTheRealEncoder() throws IOException {
        Path dir = Path.of("target", "fuzz", "seeds");
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : seeds().entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
            byte[] back = Files.readAllBytes(dir.resolve(e.getKey()));
            assertThat(back).as(e.getKey()).isEqualTo(e.getValue());
            int magic = Protocol.u32(back, 0);
            assertThat(magic).as(e.getKey() + " starts with a config or warm header")
                    .isIn(Protocol.MSG_CONFIG, Protocol.MSG_WARM);
        }
        assertThat(Files.list(dir).count()).isGreaterThanOrEqualTo(seeds().size());
    }
}
