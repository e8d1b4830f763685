package dev.joblet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM that {@link NothingSurvivesAKilledJvmTest} kills: {@code <spill-dir>} starts 50 jobs (with retained
 * workspaces, log spills, background children) from the warm pool and cold, prints {@code READY}, and waits to be
 * killed; {@code --once} runs one job and exits, as the next program using Joblet on the host would.
 */
public final class KilledJvmWorkload {
    private KilledJvmWorkload() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--once")) {
            try (Job job = Joblet.builder().command("true").start()) {
                System.out.println("ONCE " + job.await().exitCode().orElse(-1));
            }
            return;
        }
        Path spill = Path.of(args[0]);
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            JobSpec.Builder b = Joblet.builder();
            switch (i % 5) {
                case 0 -> b.retainWorkspace(true).command("sh", "-c", "echo kept > /work/f; sleep 600");
                case 1 -> b.logSpill(spill).command("sh", "-c", "while :; do echo line; sleep 0.05; done");
                case 2 -> b.command("sh", "-c", "sleep 600 & sleep 600");
                case 3 -> b.retainWorkspace(true).logSpill(spill).command("sh", "-c", "echo both; sleep 600");
                default -> b.command("sleep", "600");
            }
            jobs.add(b.start());
        }
        for (Job j : jobs) {
            if (!j.isAlive()) {
                System.out.println("ENDED " + j.id() + " " + j.await());
            }
        }
        System.out.println("READY " + jobs.size());
        System.out.flush();
        Thread.sleep(600_000);
    }
}
