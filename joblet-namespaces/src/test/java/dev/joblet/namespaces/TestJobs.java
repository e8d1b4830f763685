package dev.joblet.namespaces;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A small host-like root for launcher tests, and an output collector. */
final class TestJobs {
    static final String STAGING = "/run/joblet-test/root";

    private TestJobs() {}

    static LaunchRequest.Builder request(String... argv) throws IOException {
        Files.createDirectories(Path.of(STAGING));
        List<MountOp> mounts = new ArrayList<>();
        mounts.add(MountOp.bind("/usr", "/usr", true));
        for (String d : new String[] {"/bin", "/sbin", "/lib", "/lib64"}) {
            mounts.add(MountOp.optionalBind(d, d));
        }
        mounts.add(MountOp.dir("/etc"));
        for (String f : new String[] {"/etc/passwd", "/etc/group", "/etc/ld.so.cache", "/etc/alternatives"}) {
            mounts.add(MountOp.optionalBind(f, f));
        }
        mounts.add(MountOp.proc("/proc"));
        mounts.add(MountOp.dev("/dev"));
        mounts.add(MountOp.tmpfs("/tmp", "mode=1777,size=16m"));
        mounts.add(MountOp.tmpfs("/work", "mode=0755,size=16m"));
        return LaunchRequest.builder()
                .argv(List.of(argv))
                .env(List.of("PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=/work", "TERM=xterm"))
                .hostname("testjob")
                .workdir("/work")
                .stagingDir(STAGING)
                .mounts(mounts);
    }

    /** Collects a job's output (called on the I/O thread). */
    static final class Collector implements OutputHandler {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        @Override
        public synchronized void onOutput(Stream stream, byte[] data, int off, int len) {
            (stream == Stream.STDOUT ? out : err).write(data, off, len);
        }

        @Override
        public void onEnd(Stream stream) {}

        synchronized String stdout() {
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        }

        synchronized String stderr() {
            return err.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
