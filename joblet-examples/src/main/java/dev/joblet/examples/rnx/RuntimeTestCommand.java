package dev.joblet.examples.rnx;

import dev.joblet.Joblet;
import dev.joblet.JobletConfig;
import dev.joblet.RuntimeCheck;
import dev.joblet.Runtimes;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rnx runtime test NAME}: runs the runtime's smoke checks ({@link RuntimeCheck}), each as a job in it, and
 * reports each step; exits 0 when all passed, 1 when one failed.
 */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = {"Runs the runtime's smoke checks, each as a job in the runtime, and reports each step (ok, or "
            + "FAILED with its output). Exits 0 when every step passed, 1 otherwise.",
            "The checks are the manifest's 'check.NAME = COMMAND' lines; python-3.11 and python-3.11-ml check the "
                + "interpreter and each of their modules (numpy, pandas, sklearn); 'host' checks a shell and ls."})
final class RuntimeTestCommand extends RuntimeCommand.Sub {
    @Parameters(paramLabel = "NAME", description = "The runtime, or host.")
    @SuppressWarnings("NullAway.Init")
    String name;

    @Option(names = "--json", description = "Prints one JSON document: {\"runtime\":…,\"ok\":…,\"steps\":[…]}.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2m",
            description = "Each step's time limit (default: ${DEFAULT-VALUE}).")
    String timeout = "2m";

    @Override
    int run() throws IOException, InterruptedException {
        Duration limit;
        try {
            limit = OptionValues.duration(timeout);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--timeout (" + timeout + "): " + e.getMessage(), e);
        }
        Runtimes store = store();
        Map<String, String> checks = RuntimeCheck.checksOf(store, name);
        List<RuntimeCheck.Step> steps;
        // The jobs resolve the runtime against this store's root, which --root may have changed.
        try (Joblet joblet = Joblet.create(JobletConfig.fromSystemProperties().toBuilder().runtimesRoot(store.root()).build())) {
            steps = RuntimeCheck.run(joblet, name, checks, limit);
        }
        boolean ok = steps.stream().allMatch(RuntimeCheck.Step::ok);
        if (json) {
            StringBuilder b = new StringBuilder("{\"runtime\":").append(JsonResult.string(name)).append(",\"ok\":").append(ok)
                    .append(",\"steps\":[");
            for (int i = 0; i < steps.size(); i++) {
                RuntimeCheck.Step s = steps.get(i);
                b.append(i == 0 ? "" : ",").append("{\"name\":").append(JsonResult.string(s.name()))
                        .append(",\"command\":").append(JsonResult.string(s.command()))
                        .append(",\"ok\":").append(s.ok())
                        .append(",\"detail\":").append(JsonResult.string(s.detail()))
                        .append(",\"output\":").append(JsonResult.string(s.output())).append('}');
            }
            out().println(b.append("]}"));
        } else {
            for (RuntimeCheck.Step s : steps) {
                out().printf("%-6s %-12s %s%n", s.ok() ? "ok" : "FAILED", s.name(), s.ok() ? firstLine(s.output())
                        : s.detail() + ": " + s.command());
                if (!s.ok()) {
                    for (String line : s.output().split("\n")) {
                        if (!line.isEmpty()) {
                            out().println("       | " + line);
                        }
                    }
                }
            }
            out().println(name + ": " + (ok ? "all " + steps.size() + " steps passed"
                    : steps.stream().filter(s -> !s.ok()).count() + " of " + steps.size() + " steps failed"));
        }
        return ok ? 0 : RuntimeCommand.EXIT_FAILED;
    }

    private static String firstLine(String output) {
        String t = output.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
