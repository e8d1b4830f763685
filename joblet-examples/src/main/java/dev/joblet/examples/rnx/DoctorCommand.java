package dev.joblet.examples.rnx;

import dev.joblet.EnvironmentCheck;
import dev.joblet.Joblet;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code rnx doctor}: what works on this host and what does not, with the fix for each missing piece. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Reports what works here (root or rootless, user namespaces, cgroups, seccomp, Landlock, overlayfs,"
                + " private networks) and how to fix what does not. Exits 0 when jobs can start with the defaults, 1"
                + " otherwise (Landlock, overlayfs and private networks are not needed by the defaults).")
final class DoctorCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("NullAway.Init")
    CommandSpec spec;

    private final java.util.function.Supplier<Joblet> joblet;

    DoctorCommand(java.util.function.Supplier<Joblet> joblet) {
        this.joblet = joblet;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<EnvironmentCheck> checks = joblet.get().checkEnvironment();
        boolean blocking = false;
        for (EnvironmentCheck c : checks) {
            out.println(c);
            boolean needed = !c.name().equals("landlock") && !c.name().equals("overlayfs")
                    && !c.name().equals("private networks");
            blocking |= needed && c.status() == EnvironmentCheck.Status.MISSING;
        }
        out.println(blocking ? "jobs cannot start here with the defaults: see the fixes above" : "jobs can start here");
        out.flush();
        return blocking ? 1 : 0;
    }
}
