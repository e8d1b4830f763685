package dev.joblet.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts test processes that join a job cgroup before they run their workload. */
public final class TestProcesses {
    /** The exit status of the test shell when a write to a procs file failed. */
    public static final int JOIN_FAILED = 97;

    private TestProcesses() {}

    /**
     * Starts {@code sh}, which writes its pid into every procs file of {@code job} and then execs {@code command};
     * returns once the process is in the cgroup.
     */
    public static Process startIn(JobCgroup job, ProcessBuilder.Redirect out, String... command)
            throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("sh", "-c",
                "for f in " + quoted(job.procsFiles()) + "; do echo $$ > \"$f\" || exit " + JOIN_FAILED
                        + "; done; exec \"$@\"", "sh"));
        argv.addAll(List.of(command));
        Process p = new ProcessBuilder(argv).redirectOutput(out).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        Path last = job.procsFiles().get(job.procsFiles().size() - 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!joined(last, p.pid())) {
            if (!p.isAlive()) {
                // A short workload may have joined, run and exited already: only JOIN_FAILED means it never joined.
                if (p.exitValue() == JOIN_FAILED) {
                    throw new IllegalStateException("test process could not join " + job.procsFiles());
                }
                return p;
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("test process " + p.pid() + " did not join " + last);
            }
            Thread.sleep(5);
        }
        return p;
    }

    private static boolean joined(Path procs, long pid) {
        try {
            return Files.readAllLines(procs).contains(Long.toString(pid));
        } catch (IOException e) {
            return false;
        }
    }

    private static String quoted(List<Path> files) {
        StringBuilder sb = new StringBuilder();
        for (Path f : files) {
            sb.append('\'').append(f).append("' ");
        }
        return sb.toString();
    }

    /** A unique job name for a test. */
    public static String name(String test) {
        return "t-" + test + "-" + Long.toString(System.nanoTime(), 36);
    }
}
