package dev.joblet.examples.rnx;

import static dev.joblet.examples.rnx.Captured.rnx;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad rnx flag value is a usage error (exit 2) whose message names the flag and the value, before anything
 * starts (each row would otherwise start a job or a network: none does, and none needs root).
 */
class EveryBadFlagNamesFlagAndValueTest {

    private static Arguments row(String flag, String value, String... args) {
        return Arguments.of(String.join(" ", args), flag, value, args);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                row("--max-memory", "-5", "job", "run", "--max-memory=-5", "true"),
                row("--max-memory", "99999999999999999", "job", "run", "--max-memory=99999999999999999", "true"),
                row("--max-memory", "9999999999999999999t", "job", "run", "--max-memory=9999999999999999999t", "true"),
                row("--max-memory", "lots", "job", "run", "--max-memory=lots", "true"),
                row("--max-memory", "1", "job", "run", "--max-memory=1", "true"),
                row("--max-cpu", "0", "job", "run", "--max-cpu=0", "true"),
                row("--max-cpu", "abc", "job", "run", "--max-cpu=abc", "true"),
                row("--max-cpu", "99999999999", "job", "run", "--max-cpu=99999999999", "true"),
                row("--max-iobps", "-1", "job", "run", "--max-iobps=-1", "true"),
                row("--max-iobps", "fast", "job", "run", "--max-iobps=fast", "true"),
                row("--cpu-cores", "3-1", "job", "run", "--cpu-cores=3-1", "true"),
                row("--cpu-cores", "x", "job", "run", "--cpu-cores=x", "true"),
                row("--network", "bogus", "job", "run", "--network=bogus", "true"),
                row("--volume", "/tmp:/proc/x", "job", "run", "--volume=/tmp:/proc/x", "true"),
                row("--volume", "/tmp:/x:zz", "job", "run", "--volume=/tmp:/x:zz", "true"),
                row("--volume", "a:b:c:d", "job", "run", "--volume=a:b:c:d", "true"),
                row("--memory-volume", "/x", "job", "run", "--memory-volume=/x", "true"),
                row("--memory-volume", "lots", "job", "run", "--memory-volume=/x:lots", "true"),
                row("--memory-volume", "rel", "job", "run", "--memory-volume=rel:64m", "true"),
                row("--writable-layer", "-1", "job", "run", "--writable-layer=-1", "true"),
                row("--tmp-size", "-1", "job", "run", "--tmp-size=-1", "true"),
                row("--tmp-size", "0", "job", "run", "--tmp-size=0", "true"),
                row("--tmp-size", "lots", "job", "run", "--tmp-size=lots", "true"),
                row("--tmp-size", "9999999999999999999t", "job", "run", "--tmp-size=9999999999999999999t", "true"),
                row("--workspace-size", "-5", "job", "run", "--workspace-size=-5", "true"),
                row("--workspace-size", "0", "job", "run", "--workspace-size=0", "true"),
                row("--workspace-size", "big", "job", "run", "--workspace-size=big", "true"),
                // Below the smallest usable tmpfs (JobSpec.MIN_TMPFS_SIZE, 1 MiB): a page or less holds nothing.
                row("--tmp-size", "1b", "job", "run", "--tmp-size=1b", "true"),
                row("--tmp-size", "512k", "job", "run", "--tmp-size=512k", "true"),
                row("--workspace-size", "1b", "job", "run", "--workspace-size=1b", "true"),
                row("--writable-layer", "4k", "job", "run", "--writable-layer=4k", "true"),
                row("--upload", ":x", "job", "run", "--upload=:x", "true"),
                row("--upload", "/nonexistent-rnx-file", "job", "run", "--upload=/nonexistent-rnx-file", "true"),
                row("--upload", "/x", "job", "run", "--upload=/etc/hostname:/x", "true"),
                row("--upload-dir", "/nonexistent-rnx-dir", "job", "run", "--upload-dir=/nonexistent-rnx-dir", "true"),
                row("--env", "=x", "job", "run", "-e", "=x", "true"),
                row("--env", "RNX_TEST_SURELY_UNSET", "job", "run", "-e", "RNX_TEST_SURELY_UNSET", "true"),
                row("--secret-env", "RNX_TEST_SURELY_UNSET", "job", "run", "-s", "RNX_TEST_SURELY_UNSET", "true"),
                row("--timeout", "0s", "job", "run", "--timeout=0s", "true"),
                row("--timeout", "soon", "job", "run", "--timeout=soon", "true"),
                row("--timeout", "99999999999999999999d", "job", "run", "--timeout=99999999999999999999d", "true"),
                row("--timeout", "PT-5S", "job", "run", "--timeout=PT-5S", "true"),
                row("--workdir", "rel", "job", "run", "--workdir=rel", "true"),
                row("--hostname", "-bad", "job", "run", "--hostname=-bad", "true"),
                row("--pids-max", "-1", "job", "run", "--pids-max=-1", "true"),
                row("--pids-max", "9223372036854775807", "job", "run", "--pids-max=9223372036854775807", "true"),
                row("--schedule", "whenever", "job", "run", "--schedule=whenever", "true"),
                row("--schedule", "2000-01-01T00:00:00Z", "job", "run", "--schedule=2000-01-01T00:00:00Z", "true"),
                row("--runtime", "../x", "job", "run", "--runtime=../x", "true"),
                row("--log-cap", "1k", "job", "run", "-d", "--log-cap=1k", "true"),
                row("--log-cap", "lots", "job", "run", "-d", "--log-cap=lots", "true"),
                row("--name", "x".repeat(65), "job", "run", "-d", "--name=" + "x".repeat(65), "true"),
                row("--name", "nm", "job", "run", "--name=nm", "true"),
                row("--since", "-1", "job", "log", "0", "--since=-1"),
                row("--stream", "both", "job", "log", "0", "--stream=both"),
                row("COMMAND", "command element 1 (200001 bytes", "job", "run", "x".repeat(10), "y".repeat(200_000)),
                row("--cidr", "10.9.0.0/33", "network", "run", "n1", "--cidr=10.9.0.0/33", "--job", "a=true"),
                row("--allow-egress", "99999", "network", "run", "n1", "--cidr=10.9.0.0/24", "--allow-egress=10.1.0.0/16:99999",
                        "--job", "a=true"),
                row("--allow-egress", "10.1.0.1/16", "network", "run", "n1", "--cidr=10.9.0.0/24",
                        "--allow-egress=10.1.0.1/16", "--job", "a=true"),
                row("--job", "bad", "network", "run", "n1", "--cidr=10.9.0.0/24", "--job", "bad"),
                row("NAME", "N_1", "network", "run", "N_1", "--cidr=10.9.0.0/24", "--job", "a=true"),
                row("--size", "lots", "volume", "create", "v1", "--size=lots"),
                row("--size", "1k", "volume", "create", "v1", "--size=1k"),
                row("--type", "disk", "volume", "create", "v1", "--size=8m", "--type=disk"),
                row("NAME", "N/1", "volume", "create", "N/1", "--size=8m"),
                row("NAME", "../x", "volume", "remove", "../x"),
                row("runtime", "(bogus)", "runtime", "install", "bogus"),
                row("runtime", "(../x)", "runtime", "info", "../x"),
                row("--timeout", "soon", "runtime", "test", "host", "--timeout=soon"),
                row("runtime", "(../x)", "runtime", "test", "../x"),
                row("--interval", "5ms", "monitor", "top", "--interval=5ms"),
                row("--interval", "often", "monitor", "watch", "--interval=often"),
                row("--count", "-1", "monitor", "top", "--count=-1"),
                row("--sort", "disk", "monitor", "top", "--sort=disk"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void isAUsageErrorNamingTheFlagAndTheValue(String title, String flag, String value, String[] args) {
        Captured c = rnx(args);
        assertThat(c.status).as(c.toString()).isEqualTo(Rnx.EXIT_USAGE);
        assertThat(c.err()).as(c.toString()).contains(flag).contains(value);
        assertThat(c.err()).as("one clear line, no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
    }
}
