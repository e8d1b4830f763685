package dev.joblet.examples.rnx;

import dev.joblet.EndReason;
import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.JobStartException;
import dev.joblet.JobletException;
import dev.joblet.LogStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Runs one job for {@code rnx job run}: relays its stdout and stderr live, stops it when rnx is interrupted
 * or terminated, and turns its result into rnx's exit status. Not thread-safe; one instance per run.
 */
final class JobRunner {
    /** How long to wait for the output relays after the job ended (they end with the job's streams). */
    private static final Duration DRAIN = Duration.ofSeconds(5);
    /** What a shell reports for a program killed by SIGPIPE: rnx's own output went away. */
    static final int EXIT_BROKEN_PIPE = 128 + 13;

    private final PrintStream out;
    private final PrintStream err;

    private final dev.joblet.Joblet joblet;

    JobRunner(PrintStream out, PrintStream err, dev.joblet.Joblet joblet) {
        this.out = out;
        this.err = err;
        this.joblet = joblet;
    }

    int run(JobSpec spec, boolean json) {
        Job job;
        try {
            job = joblet.start(spec);
        } catch (JobStartException e) {
            return startFailed(String.valueOf(e.getMessage()), e.isCommandNotFound(), json);
        } catch (JobletException e) {
            return startFailed(String.valueOf(e.getMessage()), false, json);
        }
        Relay stdout = new Relay(job, job.stdout(), out, err, "stdout");
        Relay stderr = new Relay(job, job.stderr(), err, err, "stderr");
        java.util.concurrent.atomic.AtomicBoolean reported = new java.util.concurrent.atomic.AtomicBoolean();
        Thread hook = new Thread(() -> {
            // SIGINT, SIGTERM or System.exit elsewhere: stop the job as stop() does (SIGTERM to its command, SIGKILL
            // after its grace), flush what it wrote, report it, and leave nothing of it behind.
            if (job.isAlive()) {
                Duration grace = job.spec().stopGrace();
                job.stop(grace);
                java.util.Optional<JobResult> result;
                try {
                    result = job.await(grace.plusSeconds(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    result = java.util.Optional.empty();
                }
                stdout.join(DRAIN);
                stderr.join(DRAIN);
                err.println("rnx: stopped job " + job.id().shortForm());
                if (result.isPresent() && reported.compareAndSet(false, true)) {
                    report(result.get(), stdout, json);
                }
                job.close();
                err.flush();
            }
        }, "rnx-stop-job");
        java.lang.Runtime.getRuntime().addShutdownHook(hook);
        Terminal terminal = spec.tty() ? Terminal.attach(job, System.in, err) : null;
        try {
            stdout.start();
            stderr.start();
            JobResult result = job.await();
            // What the job wrote last is in its buffers now; a slow consumer of rnx's output gets all of it.
            stdout.join();
            stderr.join();
            if (stdout.outputBroken() || stderr.outputBroken()) {
                return EXIT_BROKEN_PIPE; // quietly, as a program killed by SIGPIPE
            }
            if (reported.compareAndSet(false, true)) { // else the shutdown hook reported it
                report(result, stdout, json);
            }
            return result.shellCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.close();
            err.println("rnx: interrupted; stopped job " + job.id().shortForm());
            return 130;
        } finally {
            job.close();
            if (terminal != null) {
                terminal.detach();
            }
            try {
                java.lang.Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or has run; it stops the job itself.
            }
        }
    }

    private int startFailed(String message, boolean notFound, boolean json) {
        return startFailed(out, err, message, notFound, json);
    }

    /** Reports a job that could not start (on stderr; with {@code json}, its JSON line on stdout): 127 or 125. */
    static int startFailed(PrintStream out, PrintStream err, String message, boolean notFound, boolean json) {
        err.println("rnx: " + message);
        if (json) {
            out.println(JsonResult.startFailure(message));
        }
        out.flush();
        err.flush();
        return notFound ? Rnx.EXIT_NOT_FOUND : Rnx.EXIT_START_FAILED;
    }

    private void report(JobResult r, Relay stdout, boolean json) {
        // Why the job ended, unless it exited by itself or rnx stopped it (the shutdown hook says so itself).
        if (r.reason() != EndReason.EXITED && r.reason() != EndReason.STOPPED && !r.message().isEmpty()) {
            err.println("rnx: job " + r.jobId().shortForm() + ": " + r.message());
        }
        if (json) {
            if (stdout.endsMidLine()) {
                out.println();
            }
            out.println(JsonResult.of(r));
        }
        out.flush();
        err.flush();
    }

    /**
     * Copies one of the job's streams to one of rnx's as data arrives, losslessly: the stream is opened as soon as
     * the job started, and when rnx's own output is slower than the job (a slow consumer of a pipe), the job waits
     * for it, as it would writing into that pipe itself. If rnx's side breaks (a closed pipe), it stops the job, as
     * SIGPIPE would stop a program writing into that pipe.
     */
    private static final class Relay implements Runnable {
        private final Job job;
        private final LogStream source;
        private final PrintStream sink;
        private final PrintStream err;
        private final String name;
        private final Thread thread;
        /** Opened at once, so that nothing the job writes before the relay thread runs is dropped. */
        private InputStream in;
        private volatile int lastByte = '\n';
        private volatile boolean broken;

        Relay(Job job, LogStream source, PrintStream sink, PrintStream err, String name) {
            this.job = job;
            this.source = source;
            this.sink = sink;
            this.err = err;
            this.name = name;
            this.in = source.open();
            this.thread = new Thread(this, "rnx-" + name);
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void join() throws InterruptedException {
            thread.join();
        }

        void join(Duration timeout) {
            try {
                thread.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** True when rnx's side of the stream went away (and the job was stopped for it). */
        boolean outputBroken() {
            return broken;
        }

        boolean endsMidLine() {
            return lastByte != '\n';
        }

        @Override
        public void run() {
            try {
                relay();
            } finally {
                try {
                    in.close(); // the job never waits for a relay that stopped
                } catch (IOException e) {
                    // nothing to release beyond the hold
                }
            }
        }

        private void relay() {
            byte[] buf = new byte[64 * 1024];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (java.io.InterruptedIOException e) {
                    return;
                } catch (IOException e) {
                    // Cannot happen to a stream opened before the job wrote a buffer's worth; should it, say
                    // what was lost and go on from what is left.
                    sink.flush();
                    err.println("rnx: job " + name + ": " + e.getMessage());
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // released either way
                    }
                    in = source.open();
                    continue;
                }
                if (n < 0) {
                    return;
                }
                sink.write(buf, 0, n);
                lastByte = buf[n - 1];
                if (sink.checkError()) { // flushes; true once rnx's side of the stream is gone
                    broken = true;
                    job.stop(Duration.ZERO);
                    return;
                }
            }
        }
    }
}
