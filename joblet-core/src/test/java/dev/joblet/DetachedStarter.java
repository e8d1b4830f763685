package dev.joblet;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A child JVM for {@link DetachedJobSurvivesItsJvmTest}: starts one detached job in the state root args[0] running
 * args[1..], prints "started ID" and waits to be killed.
 */
public final class DetachedStarter {
    private DetachedStarter() {}

    public static void main(String[] args) throws Exception {
        Joblet joblet = Joblet.create(JobletConfig.builder().stateRoot(Path.of(args[0])).build());
        DetachedJob job = joblet.startDetached(Joblet.builder()
                .command(Arrays.copyOfRange(args, 1, args.length)).build(), DetachOptions.DEFAULT.withName("survivor"));
        System.out.println("started " + job.id());
        System.out.flush();
        Thread.sleep(600_000);
    }
}
