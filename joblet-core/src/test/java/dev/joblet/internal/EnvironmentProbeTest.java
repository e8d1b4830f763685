package dev.joblet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.EnvironmentCheck;
import dev.joblet.Joblet;
import dev.joblet.testing.NeedsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentProbeTest {
    @TempDir
    Path dir;

    @org.junit.jupiter.api.Test
    void aSysctlOfSeveralDigitsIsReadWhole() throws Exception {
        Path max = Path.of("/proc/sys/user/max_user_namespaces");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(max), "no user namespaces sysctl here");
        Process cat = new ProcessBuilder("cat", max.toString()).start();
        String expected = new String(cat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        cat.waitFor();
        // Files.readString gave "9" for 96362 (a sysctl answers a read at a non-zero offset with EOF).
        org.assertj.core.api.Assertions.assertThat(EnvironmentProbe.read(max)).isEqualTo(expected);
    }

    private EnvironmentCheck check(List<EnvironmentCheck> checks, String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void everyAreaIsReportedOnThisHost() {
        List<EnvironmentCheck> checks = Joblet.system().checkEnvironment();
        assertThat(checks).extracting(EnvironmentCheck::name)
                .containsExactly("privileges", "user namespaces", "cgroups", "seccomp", "landlock", "overlayfs",
                        "private networks", "host identity per job", "default job");
        for (EnvironmentCheck c : checks) {
            assertThat(c.fix().isEmpty()).as("a fix exactly when something is missing: %s", c)
                    .isEqualTo(c.status() == EnvironmentCheck.Status.OK);
            assertThat(c.detail()).isNotEmpty();
        }
    }

    /** A PATH holding only the given programs (as empty executables). */
    private Path pathWith(String... programs) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin-" + String.join("-", programs)));
        for (String p : programs) {
            Files.writeString(bin.resolve(p), "#!/bin/sh\n");
            bin.resolve(p).toFile().setExecutable(true);
        }
        return bin;
    }

    @Test
    @NeedsRoot("for private networks (rootless, the check says so before looking for tools)")
    void privateNetworksAreMissingWithTheFixWhenNftOrIpIsNotOnThePath() throws Exception {
        EnvironmentCheck c = check(new EnvironmentProbe(dir.resolve("proc"), dir.resolve("sys"),
                pathWith("ip").toString()).run(), "private networks");
        assertThat(c.status()).isEqualTo(EnvironmentCheck.Status.MISSING);
        assertThat(c.detail()).contains("nft is not found on the PATH");
        assertThat(c.fix()).contains("apt-get install nftables");

        c = check(new EnvironmentProbe(dir.resolve("proc"), dir.resolve("sys"), pathWith("nft").toString()).run(),
                "private networks");
        assertThat(c.status()).isEqualTo(EnvironmentCheck.Status.MISSING);
        assertThat(c.fix()).contains("apt-get install iproute2");

        c = check(new EnvironmentProbe(dir.resolve("proc"), dir.resolve("sys"), pathWith().toString() + ":").run(),
                "private networks");
        assertThat(c.detail()).contains("ip and nft are not found");
        assertThat(c.fix()).contains("apt-get install iproute2 nftables");

        c = check(new EnvironmentProbe(dir.resolve("proc"), dir.resolve("sys"), pathWith("ip", "nft").toString()).run(),
                "private networks");
        assertThat(c.status()).isEqualTo(EnvironmentCheck.Status.OK);
        assertThat(c.fix()).isEmpty();
    }

    @Test
    void userNamespacesSwitchedOffAreMissingWithAFix() throws Exception {
        Files.createDirectories(dir.resolve("proc/sys/user"));
        Files.writeString(dir.resolve("proc/sys/user/max_user_namespaces"), "0\n");
        EnvironmentCheck c = check(new EnvironmentProbe(dir.resolve("proc"), dir.resolve("sys")).run(), "user namespaces");
        assertThat(c.status()).isEqualTo(EnvironmentCheck.Status.MISSING);
        assertThat(c.fix()).contains("user.max_user_namespaces");
    }

    @Test
    void missingSeccompAndOverlayAreReported() {
        List<EnvironmentCheck> checks = new EnvironmentProbe(dir.resolve("proc"), dir.resolve("sys")).run();
        assertThat(check(checks, "seccomp").status()).isEqualTo(EnvironmentCheck.Status.MISSING);
        assertThat(check(checks, "overlayfs").status()).isEqualTo(EnvironmentCheck.Status.MISSING);
        assertThat(check(checks, "landlock").status()).isEqualTo(EnvironmentCheck.Status.LIMITED);
    }

    @Test
    void landlockIsReadFromTheLsmList() throws Exception {
        Files.createDirectories(dir.resolve("sys/kernel/security"));
        Files.writeString(dir.resolve("sys/kernel/security/lsm"), "lockdown,capability,yama");
        EnvironmentCheck c = check(new EnvironmentProbe(dir.resolve("proc"), dir.resolve("sys")).run(), "landlock");
        assertThat(c.status()).isEqualTo(EnvironmentCheck.Status.MISSING);
        Files.writeString(dir.resolve("sys/kernel/security/lsm"), "lockdown,capability,landlock,yama");
        c = check(new EnvironmentProbe(dir.resolve("proc"), dir.resolve("sys")).run(), "landlock");
        assertThat(c.status()).isEqualTo(EnvironmentCheck.Status.OK);
    }
}
