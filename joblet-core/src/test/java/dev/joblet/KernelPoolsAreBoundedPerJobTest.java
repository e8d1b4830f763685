package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * What one job could take from every other job and from the host is bounded per job by default: memory (its kernel
 * memory and socket buffers included), tmpfs inodes, AIO contexts (denied), fds. Each bound is seen enforced, and
 * lifted by the option named for it.
 */
@NeedsRoot("to run real jobs")
class KernelPoolsAreBoundedPerJobTest {
    private record Run(JobResult result, String out) {}

    private static Run python(String code, UnaryOperator<JobSpec.Builder> spec) throws Exception {
        try (Job job = spec.apply(Joblet.builder().command("python3", "-c", EscapeAttempts.PRELUDE + code)).start()) {
            JobResult r = job.await();
            return new Run(r, job.stdout().text() + job.stderr().text());
        }
    }

    @Test
    void everyJobHasAMemoryLimitUnlessLifted() throws Exception {
        assertThat(Joblet.builder().command("true").build().memory()).hasValue(JobSpec.DEFAULT_MEMORY);
        assertThat(Joblet.builder().command("true").noMemoryLimit().build().memory()).isEmpty();
        String hog = "x = bytearray(700 << 20); print('allocated', len(x) >> 20)";
        Run limited = python(hog, b -> b);
        assertThat(limited.result().reason()).as("output %s", limited.out()).isEqualTo(EndReason.OOM_KILLED);
        assertThat(limited.out()).doesNotContain("allocated");
        Run lifted = python(hog, JobSpec.Builder::noMemoryLimit);
        assertThat(lifted.result().exitCode()).as("output %s", lifted.out()).hasValue(0);
        assertThat(lifted.out()).contains("allocated 700");
    }

    @Test
    void unreadTcpBuffersCountAgainstTheMemoryLimit() throws Exception {
        Path v1Tcp = Path.of("/sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes");
        boolean v2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
        org.junit.jupiter.api.Assumptions.assumeTrue(v2 || Files.exists(v1Tcp), "no memory cgroup with socket accounting");
        Run r = python(EscapeAttemptsPools.TCP_PIN, b -> b.memory(MemorySize.ofMegabytes(EscapeAttemptsPools.TCP_LIMIT_MIB)));
        // v1: the sends stall at the socket limit; v2 (one counter) may OOM-kill the job instead: bounded either way.
        if (r.result().reason() != EndReason.OOM_KILLED) {
            assertThat(r.out()).contains("pinned").contains("blocked").doesNotContain("ESCAPED");
            assertThat(r.result().exitCode()).as("output %s", r.out()).hasValue(0);
        }
    }

    private static final String COUNT_FILES = String.join("\n",
            "def fill(d):",
            "    n = 0",
            "    try:",
            "        while n < 100000:",
            "            os.close(os.open('%s/f%d' % (d, n), os.O_CREAT | os.O_WRONLY)); n += 1",
            "    except OSError as e:",
            "        return '%s=%d:%s' % (d, n, errno.errorcode[e.errno])",
            "    return '%s=%d:none' % (d, n)",
            "print(' '.join(fill(d) for d in sys.argv[1:]))");

    private static Map<String, String> countFiles(UnaryOperator<JobSpec.Builder> spec, String... dirs) throws Exception {
        String[] argv = new String[dirs.length + 3];
        argv[0] = "python3";
        argv[1] = "-c";
        argv[2] = EscapeAttempts.PRELUDE + COUNT_FILES;
        System.arraycopy(dirs, 0, argv, 3, dirs.length);
        try (Job job = spec.apply(Joblet.builder().command(argv)).start()) {
            JobResult r = job.await();
            String out = job.stdout().text().strip();
            assertThat(r.exitCode()).as("output %s %s", out, job.stderr().text()).hasValue(0);
            Map<String, String> m = new HashMap<>();
            for (String part : out.split(" ")) {
                m.put(part.substring(0, part.indexOf('=')), part.substring(part.indexOf('=') + 1));
            }
            return m;
        }
    }

    @Test
    void tmpfsInodesAreBoundedInProportionToTheirSize() throws Exception {
        // One inode per 16 KiB of size; the root directory of each tmpfs takes one.
        Map<String, String> n = countFiles(b -> b.tmpSize(MemorySize.ofMegabytes(64))
                        .memoryVolume("/scratch", MemorySize.ofMegabytes(32)), "/tmp", "/work", "/dev/shm", "/scratch");
        assertThat(n).containsEntry("/tmp", (64 * 64 - 1) + ":ENOSPC").containsEntry("/work", (256 * 64 - 1) + ":ENOSPC")
                .containsEntry("/dev/shm", (64 * 64 - 1) + ":ENOSPC").containsEntry("/scratch", (32 * 64 - 1) + ":ENOSPC");
        // /tmp's default size is the memory limit (512 MiB): its inodes stop at /work's count.
        assertThat(countFiles(b -> b, "/tmp")).containsEntry("/tmp", (JobSpec.DEFAULT_TMP_INODES_MAX - 1) + ":ENOSPC");
        // Named counts, a workspace kept on the host, and 0 for the kernel's default.
        Map<String, String> set = countFiles(b -> b.tmpInodes(100).workspaceInodes(50).retainWorkspace(true), "/tmp", "/work");
        assertThat(set).containsEntry("/tmp", "99:ENOSPC").containsEntry("/work", "49:ENOSPC");
        Map<String, String> lifted = countFiles(b -> b.tmpInodes(0).tmpSize(MemorySize.ofMegabytes(1)), "/tmp");
        assertThat(lifted).containsEntry("/tmp", "100000:none");
    }

    @Test
    void kernelMemoryOfEmptyFilesCountsAgainstTheMemoryLimit() throws Exception {
        // 100,000 empty files take ~100 MiB of inodes and dentries: past a 32 MiB limit, whatever the inode bound.
        String code = "n = 0\ntry:\n    while n < 100000:\n        os.close(os.open('/tmp/f%d' % n, os.O_CREAT | os.O_WRONLY));"
                + " n += 1\nexcept OSError as e:\n    print('stopped', errno.errorcode[e.errno])\nprint('files', n)";
        Run limited = python(code, b -> b.memory(MemorySize.ofMegabytes(32)).tmpInodes(0));
        if (limited.result().reason() != EndReason.OOM_KILLED) {
            assertThat(limited.out()).contains("stopped").doesNotContain("files 100000");
        }
        Run lifted = python(code, b -> b.noMemoryLimit().tmpInodes(0));
        assertThat(lifted.out()).contains("files 100000");
    }

    @Test
    void aioContextsAreDeniedUnlessAllowed() throws Exception {
        String setup = "c = ctypes.c_ulong(0)\ntry:\n    sc(206, 128, ctypes.byref(c)); print('io_setup ok')\n"
                + "except OSError as e:\n    print('io_setup', errno.errorcode[e.errno])";
        assertThat(python(setup, b -> b).out()).contains("io_setup EPERM");
        assertThat(python(setup, b -> b.seccomp(SeccompPolicy.defaults().allow("io_setup"))).out()).contains("io_setup ok");
        assertThat(SeccompPolicy.defaults().denied()).contains("io_setup", "io_uring_setup", "io_uring_enter");
    }

    @Test
    void fileDescriptorsAreBoundedByDefault() throws Exception {
        Run r = python("print('nofile', *resource.getrlimit(resource.RLIMIT_NOFILE))", b -> b);
        assertThat(r.out()).contains("nofile 1024 4096");
    }
}
