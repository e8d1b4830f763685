package dev.joblet.engine;

import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.JobletException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * How an engine starts a job it decided to start. {@link #system()} (the default) calls {@link JobSpec#start()};
 * tests give the engine a fake one. Implementations are thread-safe: the engine may launch several jobs at once.
 */
@FunctionalInterface
public interface JobLauncher {

    /**
     * Starts {@code spec} (already pinned to the job's exclusive cores, if any) for the engine's job {@code id}
     * (a UUID); a real job takes that id, so that the handle, the {@link Job} and its {@link JobResult} share it.
     *
     * @throws JobletException when the job cannot start; the engine marks it FAILED with the message
     */
    Launched launch(String id, JobSpec spec) throws JobletException;

    /** A started job as the engine sees it. Thread-safe. */
    interface Launched {
        /** The running {@link Job}, when the launcher made a real one. */
        Optional<Job> job();

        /** Completes when the job has ended and nothing of it remains. */
        CompletableFuture<JobResult> onExit();

        /** Stops the job (SIGTERM, then SIGKILL after {@code grace}); returns at once. */
        void stop(Duration grace);

        /**
         * Ends the job if it still runs and releases what it kept after its end (a retained workspace, a log
         * spill): the engine calls it when it forgets the job ({@link JobEngine.Builder#retainFinished}) and, at the
         * latest, from {@link JobEngine#close()}. Returns when nothing of the job remains. Idempotent.
         */
        default void close() {}
    }

    /** Starts real jobs on {@link Joblet#system()} (looked up at each launch), as {@link JobSpec#start()} does. */
    static JobLauncher system() {
        return (id, spec) -> of(Joblet.system()).launch(id, spec);
    }

    /** Starts real jobs on {@code joblet}, which the caller owns (the engine does not close it). */
    static JobLauncher of(Joblet joblet) {
        java.util.Objects.requireNonNull(joblet, "joblet");
        return (id, spec) -> {
            Job job = joblet.start(spec, id);
            return new Launched() {
                @Override
                public Optional<Job> job() {
                    return Optional.of(job);
                }

                @Override
                public CompletableFuture<JobResult> onExit() {
                    return job.onExit();
                }

                @Override
                public void stop(Duration grace) {
                    job.stop(grace);
                }

                @Override
                public void close() {
                    job.close();
                }
            };
        };
    }
}
