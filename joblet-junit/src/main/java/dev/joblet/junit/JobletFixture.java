package dev.joblet.junit;

import dev.joblet.Network;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Declares a sandboxed fixture process for a parameter of type {@link FixtureProcess}: the command runs as a
 * Joblet job (own namespaces, read-only runtime, limits), the test gets the handle once the process is ready,
 * and the process is stopped after the test (after all tests, when declared on a {@code @BeforeAll} method).
 *
 * <pre>{@code
 * @Test
 * void talksToTheServer(@JobletFixture(command = {"python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"},
 *         network = "host", memoryMb = 128, readyLog = "port (\\d+)") FixtureProcess server) {
 *     int port = Integer.parseInt(server.readyGroup(1));
 *     ...
 * }
 * }</pre>
 *
 * Readiness: {@link #readyLog} (a regex found in stdout or stderr), {@link #readyFile} (a path inside the job that
 * must exist, e.g. a Unix socket), both, or neither (ready once started).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
@ExtendWith(JobletExtension.class)
public @interface JobletFixture {
    /** The program and its arguments. */
    String[] command();

    /** The runtime: {@code host} (default) or the name of an installed runtime. */
    String runtime() default "host";

    /** CPU limit in percent of one core; 0 for none. */
    int cpu() default 0;

    /** Memory limit in MiB; 0 for none. */
    long memoryMb() default 0;

    /** Maximum processes; -1 for the library default (1024), 0 for none. */
    long pidsMax() default -1;

    /**
     * {@code "none"} (loopback only, the default), {@code "host"} (the host's network), or the name of a private
     * network created in this JVM with {@link Network#create}.
     */
    String network() default "none";

    /** Environment variables as {@code NAME=value}. */
    String[] env() default {};

    /** The working directory inside the job. */
    String workdir() default "/work";

    /** A regular expression; the fixture is ready once it is found in its stdout or stderr. */
    String readyLog() default "";

    /** An absolute path inside the job; the fixture is ready once it exists. */
    String readyFile() default "";

    /** How long to wait for readiness before failing the test. */
    int readyTimeoutSeconds() default 30;

    /**
     * How long the stop after the test waits after SIGTERM before SIGKILL, in milliseconds. Default 0: the fixture
     * is killed at once (its state is thrown away anyway, and a grace would be paid by every test); give one to a
     * fixture that must flush something on SIGTERM.
     */
    long stopGraceMillis() default 0;
}
