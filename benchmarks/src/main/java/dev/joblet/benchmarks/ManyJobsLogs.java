package dev.joblet.benchmarks;

import dev.joblet.Job;
import dev.joblet.Joblet;
import dev.joblet.LogEvent;
import dev.joblet.Network;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many concurrent jobs each printing a line a second, every one followed by a live log subscriber: the JVM's
 * thread count and its heap after GC while they run. Needs root:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.joblet.benchmarks.ManyJobsLogs [jobs] [seconds]</pre>
 *
 * Each job is {@code bash} with a {@code sleep 1} child, plus the library's supervisor process: about three
 * processes per job. Jobs share the host's network ({@code Network.HOST}) so that starting 1000 of them does
 * not measure network namespace creation.
 */
public final class ManyJobsLogs {
    private ManyJobsLogs() {}

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.out.printf("before: %d threads, heap after GC %.1f MiB%n", threads.getThreadCount(), heapAfterGc(memory));
        AtomicLong lines = new AtomicLong(), lost = new AtomicLong();
        List<Job> running = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < jobs; i++) {
                Job job = Joblet.builder().network(Network.HOST)
                        .command("bash", "-c", "i=0; while :; do echo \"line $i of job " + i + "\"; i=$((i+1)); sleep 1; done").start();
                running.add(job);
                job.logs().live().subscribe(new Counter(lines, lost));
            }
            System.out.printf("started %d jobs in %.1f s: %d threads%n", jobs, (System.nanoTime() - t0) / 1e9, threads.getThreadCount());
            int maxThreads = 0;
            long before = lines.get();
            for (int s = 1; s <= seconds; s++) {
                Thread.sleep(1000);
                maxThreads = Math.max(maxThreads, threads.getThreadCount());
                if (s % 10 == 0 || s == seconds) {
                    System.out.printf("t=%ds: %d threads (max %d), heap after GC %.1f MiB, %d lines delivered, %d bytes lost%n",
                            s, threads.getThreadCount(), maxThreads, heapAfterGc(memory), lines.get(), lost.get());
                }
            }
            System.out.printf("%d jobs: %.0f lines/s delivered over %d s; peak %d JVM threads%n", jobs,
                    (lines.get() - before) / (double) seconds, seconds, maxThreads);
        } finally {
            running.parallelStream().forEach(Job::close);
        }
        System.out.printf("after close: %d threads, heap after GC %.1f MiB%n", threads.getThreadCount(), heapAfterGc(memory));
    }

    private static double heapAfterGc(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
    }

    private static final class Counter implements Flow.Subscriber<LogEvent> {
        private final AtomicLong lines, lost;

        Counter(AtomicLong lines, AtomicLong lost) {
            this.lines = lines;
            this.lost = lost;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(LogEvent e) {
            if (e instanceof LogEvent.Gap) {
                lost.addAndGet(((LogEvent.Gap) e).lost());
            } else {
                ByteCount.lines((LogEvent.Data) e, lines);
            }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onComplete() {}
    }

    private static final class ByteCount {
        static void lines(LogEvent.Data d, AtomicLong lines) {
            java.nio.ByteBuffer b = d.buffer();
            int n = 0;
            while (b.hasRemaining()) {
                if (b.get() == '\n') {
                    n++;
                }
            }
            lines.addAndGet(n);
        }
    }
}
