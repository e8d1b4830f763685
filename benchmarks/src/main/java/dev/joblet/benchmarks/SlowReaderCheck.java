package dev.joblet.benchmarks;

import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.Joblet;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Issue 16.1's measure: 1 GiB of seeded pseudo-random bytes from a job (python3 writes them and their SHA-256 on
 * stderr) read through {@code stdout().open()} by a reader throttled to 50 MB/s arrives complete. Prints the time,
 * both digests, how far the job ever got ahead of the reader (what the buffer held for it) and the heap used after
 * GCs taken along the way. Run as root:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.joblet.benchmarks.SlowReaderCheck [MiB] [bytes/s]</pre>
 */
public final class SlowReaderCheck {
    private SlowReaderCheck() {}

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        long rate = args.length > 1 ? Long.parseLong(args[1]) : 50_000_000;
        System.gc();
        long heapBefore = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long heapMax = 0, maxAhead = 0, read = 0;
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long t0 = System.nanoTime();
        try (Job job = Joblet.builder().command("python3", "-c", "import hashlib, random, sys\n"
                        + "r = random.Random(1); h = hashlib.sha256(); w = sys.stdout.buffer.write\n"
                        + "for _ in range(" + mib + "):\n"
                        + "    b = r.randbytes(1 << 20); h.update(b); w(b)\n"
                        + "sys.stdout.flush(); sys.stderr.write(h.hexdigest())\n").start();
                InputStream in = job.stdout().open()) {
            byte[] buf = new byte[64 * 1024];
            long nextGc = 64L << 20;
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
                read += n;
                maxAhead = Math.max(maxAhead, job.stdout().size() - read);
                if (read >= nextGc) {
                    nextGc += 64L << 20;
                    System.gc();
                    heapMax = Math.max(heapMax, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                }
                long wait = t0 + read * 1_000_000_000L / rate - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            JobResult r = job.await();
            double s = (System.nanoTime() - t0) / 1e9;
            String got = HexFormat.of().formatHex(sha.digest());
            String wrote = job.stderr().text();
            System.out.printf("%d MiB at %.1f MB/s in %.1f s (%s); exit %s%n", read >> 20, read / s / 1e6, s,
                    read == mib << 20 ? "every byte" : "INCOMPLETE", r.exitCode());
            System.out.printf("sha256 read  %s%nsha256 wrote %s%n%s%n", got, wrote, got.equals(wrote) ? "MATCH" : "MISMATCH");
            System.out.printf("the job was at most %.1f MiB ahead of the reader; heap after GC at most %.1f MiB above the"
                    + " start (%.1f MiB)%n", maxAhead / 1048576.0, (heapMax - heapBefore) / 1048576.0, heapBefore / 1048576.0);
            if (!got.equals(wrote) || read != mib << 20) {
                System.exit(1);
            }
        }
    }
}
