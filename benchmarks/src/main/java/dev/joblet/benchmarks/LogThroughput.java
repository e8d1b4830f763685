package dev.joblet.benchmarks;

import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.Joblet;
import dev.joblet.LogEvent;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code head -c 1G /dev/zero} read through ProcessBuilder and from a job by a log subscriber (lossless, the
 * default) and by a stream reader ({@code stdout().open().transferTo} a counting sink), in alternating rounds: each
 * round runs ProcessBuilder, then the subscriber, then the stream reader, a few hundred milliseconds apart, so a
 * machine whose pipe speed drifts from minute to minute (this VM's does, by 3x) affects all sides of a round alike.
 * Prints every round, the median of each side and the median of the per-round ratios (ProcessBuilder time / Joblet
 * time: 1.0 is parity), and the bytes reported lost in gap events (none: both readers are lossless). Run as root:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.joblet.benchmarks.LogThroughput [rounds] [lossy]</pre>
 *
 * <p>With {@code lossy}, each round also times a {@link dev.joblet.JobLog.Delivery#LOSSY} subscriber, which
 * never holds the job (what the subscriber was before lossless delivery), and prints its ratio and what it dropped.
 */
public final class LogThroughput {
    private static final long GIB = 1L << 30;

    private LogThroughput() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        boolean lossyToo = args.length > 1 && args[1].equals("lossy"); // a LOSSY subscriber too, for comparison
        List<Double> lossyRatios = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // warm-up: JIT, the warm pool, the delivery pool
            processBuilder();
            joblet(new AtomicLong());
            stream();
            if (lossyToo) {
                joblet(new AtomicLong(), dev.joblet.JobLog.Delivery.LOSSY);
            }
        }
        List<Double> pb = new ArrayList<>(), jl = new ArrayList<>(), st = new ArrayList<>();
        List<Double> ratios = new ArrayList<>(), streamRatios = new ArrayList<>();
        long lostTotal = 0;
        int lossy = 0;
        for (int r = 0; r < rounds; r++) {
            double p = processBuilder();
            AtomicLong lost = new AtomicLong();
            double j = joblet(lost);
            double t = stream();
            if (lossyToo) {
                AtomicLong dropped = new AtomicLong();
                double l = joblet(dropped, dev.joblet.JobLog.Delivery.LOSSY);
                lossyRatios.add(p / l);
                System.out.printf("round %2d: LOSSY subscriber %.3f s/GiB (ratio %.2f), dropped %d bytes%n", r + 1, l, p / l,
                        dropped.get());
            }
            pb.add(p);
            jl.add(j);
            st.add(t);
            ratios.add(p / j);
            streamRatios.add(p / t);
            lostTotal += lost.get();
            lossy += lost.get() > 0 ? 1 : 0;
            System.out.printf("round %2d: ProcessBuilder %.3f s/GiB, Joblet subscriber %.3f s/GiB (ratio %.2f), stream reader"
                    + " %.3f s/GiB (ratio %.2f)%s%n", r + 1, p, j, p / j, t, p / t,
                    lost.get() > 0 ? ", lost " + lost.get() + " bytes" : "");
        }
        System.out.printf("median: ProcessBuilder %.3f s/GiB, Joblet subscriber %.3f s/GiB, stream reader %.3f s/GiB%n",
                median(pb), median(jl), median(st));
        System.out.printf("subscriber: median of the round ratios %.2fx (min %.2f, max %.2f); %d of %d rounds lost data"
                + " (%d bytes in all)%n", median(ratios), min(ratios), max(ratios), lossy, rounds, lostTotal);
        if (lossyToo) {
            System.out.printf("LOSSY subscriber: median of the round ratios %.2fx (min %.2f, max %.2f)%n",
                    median(lossyRatios), min(lossyRatios), max(lossyRatios));
        }
        System.out.printf("stream reader (stdout().open().transferTo): median of the round ratios %.2fx (min %.2f, max %.2f)%n",
                median(streamRatios), min(streamRatios), max(streamRatios));
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(d -> d).min().orElse(0);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(d -> d).max().orElse(0);
    }

    /** Seconds from the start of a job to the end of its stdout, read by {@code open().transferTo} a counting sink. */
    static double stream() throws Exception {
        long t0 = System.nanoTime();
        try (Job job = Joblet.builder().command("head", "-c", "1G", "/dev/zero").start();
                InputStream in = job.stdout().open()) {
            long[] bytes = new long[1];
            long n = in.transferTo(new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    bytes[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    bytes[0] += len;
                }
            });
            JobResult r = job.await();
            if (r.exitCode().orElse(-1) != 0 || n != GIB || bytes[0] != GIB) {
                throw new IllegalStateException("stream reader got " + n + " bytes; " + r);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** Seconds to read 1 GiB of a ProcessBuilder child's stdout in 64 KiB blocks. */
    static double processBuilder() throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("head", "-c", "1G", "/dev/zero").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long n = 0;
        byte[] buf = new byte[65536];
        try (InputStream in = p.getInputStream()) {
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
            }
        }
        if (p.waitFor() != 0 || n != GIB) {
            throw new IllegalStateException("ProcessBuilder read " + n + " bytes");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds from the start of a job to the end of its log at a subscriber that counts bytes; adds gaps to lost. */
    static double joblet(AtomicLong lost) throws Exception {
        return joblet(lost, dev.joblet.JobLog.Delivery.LOSSLESS);
    }

    /** As {@link #joblet(AtomicLong)}, with the subscriber's delivery given. */
    static double joblet(AtomicLong lost, dev.joblet.JobLog.Delivery delivery) throws Exception {
        long t0 = System.nanoTime();
        try (Job job = Joblet.builder().command("head", "-c", "1G", "/dev/zero").start()) {
            AtomicLong bytes = new AtomicLong();
            CompletableFuture<Void> done = new CompletableFuture<>();
            job.logs().fromBeginning(delivery).subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(LogEvent e) {
                    if (e instanceof LogEvent.Data) {
                        bytes.addAndGet(((LogEvent.Data) e).length());
                    } else {
                        lost.addAndGet(((LogEvent.Gap) e).lost());
                    }
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
            done.get(5, TimeUnit.MINUTES);
            JobResult r = job.await();
            if (r.exitCode().orElse(-1) != 0 || bytes.get() + lost.get() != GIB) {
                throw new IllegalStateException("subscriber got " + bytes + " bytes, lost " + lost + "; " + r);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
