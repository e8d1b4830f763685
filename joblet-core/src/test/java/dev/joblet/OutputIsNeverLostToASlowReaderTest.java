package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16.1: a reader that consumes a job's output (a stdout stream, {@code transferTo}, a default log subscriber)
 * gets every byte however slow it is: the job waits for it, memory stays bounded, and closing the reader lets the
 * job go on at once. Only a subscriber that asked for {@link JobLog.Delivery#LOSSY} sees gaps, and it never slows
 * the job. The job writes seeded pseudo-random bytes and reports their SHA-256 on stderr.
 */
@NeedsRoot("to run real jobs (namespaces, mounts and cgroups)")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OutputIsNeverLostToASlowReaderTest {
    static final long MIB = 1 << 20;
    /** What a reader throttled to about 50 MB/s reads per second. */
    static final long RATE = 50_000_000;

    /** A job writing {@code mib} MiB of seeded pseudo-random bytes to stdout, then their SHA-256 to stderr. */
    static JobSpec.Builder randomBytes(long mib, int seed) {
        return Joblet.builder().command("python3", "-c", "import hashlib, random, sys\n"
                + "r = random.Random(" + seed + "); h = hashlib.sha256(); w = sys.stdout.buffer.write\n"
                + "for _ in range(" + mib + "):\n"
                + "    b = r.randbytes(1 << 20); h.update(b); w(b)\n"
                + "sys.stdout.flush(); sys.stderr.write(h.hexdigest())\n");
    }

    /** Digests what is written, at most {@link #RATE} bytes per second (sleeping as it goes). */
    static final class SlowDigest extends OutputStream {
        final MessageDigest sha = sha256();
        final long t0 = System.nanoTime();
        long bytes;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            sha.update(b, off, len);
            bytes += len;
            throttle(t0, bytes);
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    static void throttle(long t0, long bytes) {
        long due = t0 + bytes * 1_000_000_000L / RATE;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void aStreamReaderThrottledTo50MBPerSecondGetsEveryByteAndTheJobWaitsWithinTheBuffer() throws Exception {
        long mib = 256;
        long buffer = 8 * MIB; // the default outputBuffer
        long heapBefore = usedHeapAfterGc();
        try (Job job = randomBytes(mib, 1).start(); InputStream in = job.stdout().open()) {
            MessageDigest sha = sha256();
            byte[] buf = new byte[64 * 1024];
            long t0 = System.nanoTime(), read = 0, maxAhead = 0, heapMidway = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
                read += n;
                maxAhead = Math.max(maxAhead, job.stdout().size() - read);
                if (heapMidway == 0 && read > mib * MIB / 2) {
                    heapMidway = usedHeapAfterGc();
                }
                throttle(t0, read);
            }
            JobResult r = job.await();
            assertThat(r.exitCode()).as("%s", r).hasValue(0);
            assertThat(read).isEqualTo(mib * MIB);
            assertThat(HexFormat.of().formatHex(sha.digest())).as("the SHA-256 of what the job wrote")
                    .isEqualTo(job.stderr().text());
            // The job waited for the reader: it was never more than the buffer plus one read (1 MiB) ahead.
            assertThat(maxAhead).as("bytes the job was ahead of the reader").isLessThanOrEqualTo(buffer + 2 * MIB);
            // Kept whole, half the output would be 128 MiB; what is retained is the log's 16 MiB and the stream's
            // 8 MiB (sharing arrays), plus what a GC leaves in the regions of a busy JVM.
            assertThat(heapMidway - heapBefore).as("heap grown by the job's output, midway")
                    .isLessThan(96 * MIB);
        }
    }

    @Test
    void transferToASlowSinkGetsEveryByte() throws Exception {
        try (Job job = randomBytes(96, 2).outputBuffer(MemorySize.ofMegabytes(1)).start()) {
            SlowDigest sink = new SlowDigest();
            try (InputStream in = job.stdout().open()) {
                assertThat(in.transferTo(sink)).isEqualTo(96 * MIB);
            }
            assertThat(job.await().exitCode()).hasValue(0);
            assertThat(sink.hex()).isEqualTo(job.stderr().text());
        }
    }

    @Test
    void aDefaultLogSubscriberThatIsSlowGetsEveryByteAndNoGap() throws Exception {
        try (Job job = randomBytes(96, 3).outputBuffer(MemorySize.ofMegabytes(1)).start()) {
            SlowDigest sink = new SlowDigest();
            StringBuilder err = new StringBuilder();
            AtomicLong gaps = new AtomicLong();
            CompletableFuture<Void> done = new CompletableFuture<>();
            job.logs().fromBeginning().subscribe(new Flow.Subscriber<>() {
                Flow.Subscription s;

                @Override
                public void onSubscribe(Flow.Subscription s) {
                    this.s = s;
                    s.request(1);
                }

                @Override
                public void onNext(LogEvent e) {
                    if (e instanceof LogEvent.Gap) {
                        gaps.incrementAndGet();
                    } else if (((LogEvent.Data) e).source() == LogEvent.Source.STDOUT) {
                        byte[] b = ((LogEvent.Data) e).bytes();
                        sink.write(b, 0, b.length); // slow: sleeps in onNext
                    } else {
                        err.append(new String(((LogEvent.Data) e).bytes(), java.nio.charset.StandardCharsets.US_ASCII));
                    }
                    s.request(1);
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    done.complete(null);
                }
            });
            done.get(120, TimeUnit.SECONDS);
            assertThat(gaps).hasValue(0);
            assertThat(sink.bytes).isEqualTo(96 * MIB);
            assertThat(sink.hex()).isEqualTo(err.toString());
            assertThat(job.logs().retainedFrom()).as("nobody else read: the log dropped what it had delivered").isPositive();
        }
    }

    @Test
    void aLossySubscriberGetsGapsAndDoesNotSlowTheJob() throws Exception {
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofMegabytes(1))
                .command("head", "-c", "200000000", "/dev/zero").start()) {
            java.util.List<LogEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            CompletableFuture<Flow.Subscription> sub = new CompletableFuture<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            job.logs().fromBeginning(JobLog.Delivery.LOSSY).subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    sub.complete(s); // requests nothing while the job runs
                }

                @Override
                public void onNext(LogEvent e) {
                    events.add(e);
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    done.complete(null);
                }
            });
            assertThat(job.await(Duration.ofSeconds(60))).as("the job ended with a lossy subscriber that never read")
                    .hasValueSatisfying(r -> assertThat(r.exitCode()).hasValue(0));
            sub.get().request(Long.MAX_VALUE);
            done.get(60, TimeUnit.SECONDS);
            LogEvent.Gap gap = (LogEvent.Gap) events.get(0);
            long data = events.stream().filter(e -> e instanceof LogEvent.Data).mapToLong(e -> ((LogEvent.Data) e).length()).sum();
            assertThat(gap.offset()).isZero();
            assertThat(gap.lost() + data).isEqualTo(200_000_000L);
            assertThat(data).isLessThanOrEqualTo(2 * MIB + MIB);
        }
    }

    /** A reader that stops reading holds its job (and only its job); closing it lets the job finish at once. */
    @Test
    void closingAStalledReaderUnblocksTheJobAndOtherJobsAreNotHeldMeanwhile() throws Exception {
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofMegabytes(1))
                .command("head", "-c", "100000000", "/dev/zero").start()) {
            InputStream in = job.stdout().open();
            assertThat(in.read()).isZero();
            long held = awaitStill(job.stdout());
            assertThat(job.isAlive()).as("the job waits for its reader").isTrue();
            assertThat(held).as("the job wrote no more than the buffer plus a read and its pipe")
                    .isLessThanOrEqualTo(4 * MIB);
            try (Job other = Joblet.builder().command("seq", "1", "200000").start()) {
                assertThat(other.await(Duration.ofSeconds(30))).as("another job runs meanwhile").isPresent();
                assertThat(other.stdout().text()).endsWith("\n200000\n");
            }
            in.close();
            assertThat(job.await(Duration.ofSeconds(30))).as("the job went on once the reader closed")
                    .hasValueSatisfying(r -> assertThat(r.exitCode()).hasValue(0));
            assertThat(job.stdout().size()).isEqualTo(100_000_000L);
        }
    }

    /** Stopping a job whose reader is stuck ends it: the end never waits for a reader, and the reader still gets the rest. */
    @Test
    void aJobHeldByAStalledReaderStillStopsAndTheReaderGetsWhatItWroteUpToTheEnd() throws Exception {
        // The job writes only once the reader is open (a file in a directory bound into it says so): on a loaded
        // machine it could otherwise write more than the buffer before open(), which then starts at the oldest byte kept.
        java.nio.file.Path gate = java.nio.file.Files.createTempDirectory("gate");
        java.nio.file.Files.setPosixFilePermissions(gate, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofMegabytes(1)).volume(gate, "/gate")
                .command("sh", "-c", "while [ ! -e /gate/go ]; do sleep 0.01; done; exec head -c 100000000 /dev/zero")
                .start()) {
            InputStream in = job.stdout().open(0);
            java.nio.file.Files.createFile(gate.resolve("go"));
            long held = awaitStill(job.stdout());
            job.stop(Duration.ofSeconds(1));
            JobResult r = job.await(Duration.ofSeconds(30)).orElseThrow(() -> new AssertionError("the job did not end"));
            assertThat(r.reason()).isEqualTo(EndReason.STOPPED);
            long size = job.stdout().size();
            assertThat(size).isGreaterThanOrEqualTo(held);
            assertThat(in.readAllBytes()).as("every byte the job wrote, although it ended").hasSize((int) size);
        } finally {
            java.nio.file.Files.deleteIfExists(gate.resolve("go"));
            java.nio.file.Files.delete(gate);
        }
    }

    @Test
    void aJobNobodyReadsNeverBlocksAndKeepsOnlyItsBuffer() throws Exception {
        try (Job job = Joblet.builder().outputBuffer(MemorySize.ofMegabytes(1))
                .command("head", "-c", "300000000", "/dev/zero").start()) {
            assertThat(job.await(Duration.ofSeconds(60))).hasValueSatisfying(r -> assertThat(r.exitCode()).hasValue(0));
            assertThat(job.stdout().size()).isEqualTo(300_000_000L);
            assertThat(job.stdout().truncated()).isTrue();
            assertThat(job.stdout().text()).hasSize((int) MIB);
        }
    }

    /** Waits until the stream stops growing (its job is held) and returns its size. */
    static long awaitStill(LogStream s) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long size = s.size();
            if (size > 0 && size == last) {
                return size;
            }
            last = size;
            Thread.sleep(300);
        }
        throw new AssertionError("the stream kept growing: " + last);
    }
}
