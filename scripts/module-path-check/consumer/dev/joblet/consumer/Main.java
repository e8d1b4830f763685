package dev.joblet.consumer;

// The wildcard imports a user writes: they must compile together (dev.joblet.Runtime once clashed with
// java.lang.Runtime).
import dev.joblet.*;
import dev.joblet.agent.*;
import dev.joblet.cgroups.*;
import dev.joblet.engine.*;
import dev.joblet.junit.*;
import java.lang.module.ModuleDescriptor;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks, on the module path, that each library module exports exactly its API packages (unqualified) and that a
 * job starts and runs from a named module: the libc bindings and the helper image are found inside the modules.
 * Exits 1 with what differs.
 */
public final class Main {
    private static final Map<String, Set<String>> API = Map.of(
            "dev.joblet.cgroups", Set.of("dev.joblet.cgroups"),
            // libc: the bindings' interface only, for jnr-ffi (see that module-info.java).
            "dev.joblet.namespaces", Set.of("dev.joblet.namespaces", "dev.joblet.namespaces.libc"),
            "dev.joblet", Set.of("dev.joblet", "dev.joblet.engine"),
            "dev.joblet.agent", Set.of("dev.joblet.agent", "dev.joblet.agent.langchain4j"),
            "dev.joblet.junit", Set.of("dev.joblet.junit"));

    private Main() {}

    public static void main(String[] args) throws Exception {
        int failures = 0;
        for (Map.Entry<String, Set<String>> e : API.entrySet()) {
            ModuleDescriptor d = ModuleLayer.boot().findModule(e.getKey())
                    .orElseThrow(() -> new AssertionError("module " + e.getKey() + " is not on the module path"))
                    .getDescriptor();
            Set<String> exported = new TreeSet<>();
            for (ModuleDescriptor.Exports x : d.exports()) {
                if (x.isQualified()) {
                    System.err.println("module " + d.name() + " exports " + x.source() + " to " + x.targets()
                            + " (qualified): not expected");
                    failures++;
                }
                exported.add(x.source());
            }
            if (!exported.equals(new TreeSet<>(e.getValue()))) {
                System.err.println("module " + d.name() + " exports " + exported + ", expected " + new TreeSet<>(e.getValue()));
                failures++;
            }
            Set<String> internal = new TreeSet<>(d.packages());
            internal.removeAll(exported);
            System.out.println(d.name() + ": exports " + exported + "; not exported " + internal);
        }
        if (!Job.class.getModule().getName().equals("dev.joblet")) {
            System.err.println("Job is in " + Job.class.getModule() + ", not in module dev.joblet");
            failures++;
        }
        // Types from every exported package, as a user names them.
        IoLimit io = IoLimit.of(8, 0).writeBps(1 << 20);
        Class<?>[] api = {JobRuntime.class, JobEngine.class, Sandbox.class, JobletFixture.class, CgroupDriver.class};
        System.out.println("api: " + io + ", " + api.length + " types");

        try (Job job = Joblet.builder().command("/bin/echo", "hello from the module path").start()) {
            JobResult r = job.await();
            String out = job.stdout().text();
            System.out.println("job: " + r.reason() + ", exit " + r.shellCode() + ", stdout " + out.trim());
            if (!r.isSuccess() || !out.equals("hello from the module path\n")) {
                System.err.println("the job did not run as expected: " + r + ", stdout " + out);
                failures++;
            }
        }
        if (failures > 0) {
            System.err.println(failures + " module path check(s) failed");
            System.exit(1);
        }
        System.out.println("module path check passed on Java " + Runtime.version());
    }
}
