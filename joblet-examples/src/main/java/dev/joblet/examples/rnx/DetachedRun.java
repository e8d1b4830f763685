package dev.joblet.examples.rnx;

import dev.joblet.DetachOptions;
import dev.joblet.DetachedJob;
import dev.joblet.JobSpec;
import dev.joblet.JobStartException;
import dev.joblet.Joblet;
import dev.joblet.JobletException;
import java.io.PrintStream;
import org.jspecify.annotations.Nullable;

/** {@code rnx job run --detach}: starts the job detached, prints its id (or {@code {"id":...}}) and returns. */
final class DetachedRun {
    private DetachedRun() {}

    static int start(PrintStream out, PrintStream err, Joblet joblet, JobSpec spec, DetachOptions options,
            @Nullable String schedule, boolean json) {
        if (schedule != null) {
            err.println("rnx: --schedule with --detach is not supported yet: the wait would be rnx's, not the "
                    + "supervisor's (schedule it without --detach, or start it detached when it is due)");
            return Rnx.EXIT_USAGE;
        }
        DetachedJob job;
        try {
            job = joblet.startDetached(spec, options);
        } catch (IllegalArgumentException e) {
            err.println("rnx: " + e.getMessage());
            return Rnx.EXIT_USAGE;
        } catch (JobStartException e) {
            return JobRunner.startFailed(out, err, String.valueOf(e.getMessage()), e.isCommandNotFound(), json);
        } catch (JobletException e) {
            return JobRunner.startFailed(out, err, String.valueOf(e.getMessage()), false, json);
        }
        out.println(json ? "{\"id\":" + JsonResult.string(job.id().toString()) + "}" : job.id().toString());
        out.flush();
        return 0;
    }
}
