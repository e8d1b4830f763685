package dev.joblet.examples.rnx;

import dev.joblet.DetachOptions;
import dev.joblet.DetachedJob;
import dev.joblet.JobSpec;
import dev.joblet.JobStartException;
import dev.joblet.Joblet;
import dev.joblet.JobletException;
import java.io.PrintStream;

/** {@code rnx job run --detach}: starts the job detached, prints its id (or {@code {"id":...}}) and returns. */
final class DetachedRun {
    private DetachedRun() {}

    /** The library's names of what a detached job refuses, and the rnx flags that ask for them. */
    private static final String[][] FLAGS = {{"a detached job cannot use tty", "--detach cannot be used with --tty"},
        {"a detached job cannot use retainWorkspace/uploads", "--detach cannot be used with --upload/--upload-dir"},
        {"a detached job cannot use writableLayer", "--detach cannot be used with --writable-layer"},
        {"a detached job cannot use network", "--detach cannot be used with --network"},
        {"a detached job cannot use stdin", "--detach cannot be used with stdin bytes"}};

    static int start(PrintStream out, PrintStream err, Joblet joblet, JobSpec spec, DetachOptions options,
            boolean json) {
        DetachedJob job;
        try {
            job = joblet.startDetached(spec, options);
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            for (String[] f : FLAGS) {
                if (m.startsWith(f[0])) {
                    m = f[1] + m.substring(f[0].length());
                }
            }
            err.println("rnx: " + m);
            if (json) {
                out.println(DetachedCommands.errorJson(m, Rnx.EXIT_USAGE, java.util.List.of()));
            }
            return Rnx.EXIT_USAGE;
        } catch (JobStartException e) {
            return JobRunner.startFailed(out, err, String.valueOf(e.getMessage()), e.isCommandNotFound(), json);
        } catch (JobletException e) {
            return JobRunner.startFailed(out, err, String.valueOf(e.getMessage()), false, json);
        }
        out.println(json ? "{\"id\":" + JsonResult.string(job.id().toString()) + "}" : job.id().toString());
        options.startAtIfAny().ifPresent(at -> err.println("rnx: job " + job.id().shortForm() + " scheduled for " + at
                + " (its supervisor waits; rnx job cancel " + job.id().shortForm() + " ends the wait)"));
        out.flush();
        return 0;
    }
}
