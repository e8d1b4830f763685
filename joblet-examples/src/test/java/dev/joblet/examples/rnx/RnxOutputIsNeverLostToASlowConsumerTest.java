package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16.1: {@code rnx job run ... | slow-consumer} delivers every byte. The job writes seeded pseudo-random bytes
 * and their SHA-256 on stderr; the consumer reads at about 50 MB/s. Once in-process (rnx's stdout a slow stream),
 * once as the command line is used: rnx in a JVM of its own, its stdout a pipe read slowly.
 */
@NeedsRoot("to run real jobs (namespaces, mounts and cgroups)")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RnxOutputIsNeverLostToASlowConsumerTest {
    static final long MIB = 1 << 20;
    static final long RATE = 50_000_000;

    static List<String> job(long mib) {
        return List.of("job", "run", "python3", "-c", "import hashlib, random, sys\n"
                + "r = random.Random(16); h = hashlib.sha256(); w = sys.stdout.buffer.write\n"
                + "for _ in range(" + mib + "):\n"
                + "    b = r.randbytes(1 << 20); h.update(b); w(b)\n"
                + "sys.stdout.flush(); sys.stderr.write(h.hexdigest())\n");
    }

    /** Digests what it gets at about {@link #RATE} bytes per second. */
    static final class SlowConsumer extends OutputStream {
        final MessageDigest sha;
        final long t0 = System.nanoTime();
        long bytes;

        SlowConsumer() throws Exception {
            sha = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            sha.update(b, off, len);
            bytes += len;
            long wait = t0 + bytes * 1_000_000_000L / RATE - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    @Test
    void rnxRelaysEveryByteToASlowStdout() throws Exception {
        SlowConsumer consumer = new SlowConsumer();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Rnx.run(job(128).toArray(new String[0]), new PrintStream(consumer, false),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertThat(status).as(stderr).isZero();
        assertThat(stderr).doesNotContain("fell behind").hasSize(64);
        assertThat(consumer.bytes).isEqualTo(128 * MIB);
        assertThat(consumer.hex()).isEqualTo(stderr);
    }

    @Test
    void rnxInAPipeToASlowConsumerDeliversEveryByte() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Rnx.class.getName()));
        cmd.addAll(job(160));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        SlowConsumer consumer = new SlowConsumer();
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                consumer.write(buf, 0, n);
            }
        } finally {
            p.getOutputStream().close();
        }
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(stderr).isZero();
        assertThat(stderr).doesNotContain("fell behind");
        assertThat(consumer.bytes).isEqualTo(160 * MIB);
        assertThat(consumer.hex()).isEqualTo(stderr.strip());
    }
}
