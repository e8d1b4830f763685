package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every setting is checked when it is set, naming itself and the value; toBuilder keeps every value. */
class JobletConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        JobletConfig c = JobletConfig.defaults();
        assertThat(c.stateRoot()).isEqualTo(Path.of("/run/joblet"));
        assertThat(c.stagingDir()).isEqualTo(Path.of("/run/joblet/root"));
        assertThat(c.identitiesDir()).isEqualTo(Path.of("/run/joblet/ids"));
        assertThat(c.cgroupRoot()).isEmpty();
        assertThat(c.warmPoolSize()).isEqualTo(2);
        assertThat(c.warmPoolIdle()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.netnsPoolSize()).isEqualTo(2);
        assertThat(c.firstId()).isEqualTo(HostIdentities.DEFAULT_FIRST);
        assertThat(c.idCount()).isEqualTo(HostIdentities.DEFAULT_COUNT);
        assertThat(c.volumesRoot()).isEqualTo(c.runtimesRoot().resolveSibling("volumes"));
    }

    @Test
    void toBuilderKeepsEveryValue() {
        JobletConfig c = JobletConfig.builder().stateRoot(Path.of("/tmp/s")).runtimesRoot(Path.of("/tmp/r"))
                .volumesRoot(Path.of("/tmp/v")).cgroupRoot(Path.of("/sys/fs/cgroup/x")).warmPoolSize(5)
                .warmPoolIdle(Duration.ofSeconds(7)).netnsPoolSize(0).identityRange(100_000, 100_999).build();
        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(c.toBuilder().warmPoolSize(4).build()).isNotEqualTo(c);
        assertThat(c.idCount()).isEqualTo(1000);
        assertThat(c.toString()).contains("warmPoolSize=5", "identityRange=100000-100999", "cgroupRoot=/sys/fs/cgroup/x");
    }

    @Test
    void badValuesNameTheSettingAndTheValue() {
        JobletConfig.Builder b = JobletConfig.builder();
        assertThatThrownBy(() -> b.warmPoolSize(65)).hasMessage("warmPoolSize (65) must be between 0 and 64");
        assertThatThrownBy(() -> b.netnsPoolSize(-1)).hasMessage("netnsPoolSize (-1) must be between 0 and 64");
        assertThatThrownBy(() -> b.warmPoolIdle(Duration.ZERO)).hasMessage("warmPoolIdle (PT0S) must be positive and at"
                + " most a day");
        assertThatThrownBy(() -> b.stateRoot(Path.of("run/joblet"))).hasMessage("stateRoot (run/joblet) must be an"
                + " absolute path");
        assertThatThrownBy(() -> b.runtimesRoot(Path.of("x"))).hasMessageStartingWith("runtimesRoot (x)");
        assertThatThrownBy(() -> b.volumesRoot(Path.of("x"))).hasMessageStartingWith("volumesRoot (x)");
        assertThatThrownBy(() -> b.cgroupRoot(Path.of("x"))).hasMessageStartingWith("cgroupRoot (x)");
        assertThatThrownBy(() -> b.identityRange(999, 2000)).hasMessageStartingWith("identityRange (999-2000)");
        assertThatThrownBy(() -> b.identityRange(5000, 4000)).hasMessageStartingWith("identityRange (5000-4000)");
        assertThatThrownBy(() -> b.identityRange(5000, 1L << 31)).hasMessageStartingWith("identityRange (5000-2147483648)");
        assertThatThrownBy(() -> b.stateRoot(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("stateRoot");
        assertThatThrownBy(() -> Joblet.create(null)).hasMessageContaining("config");
    }

    /** What only the host can refuse is refused when the instance is made, before the first job, naming the field. */
    @Test
    void aCgroupRootOrRootThatDoesNotFitThisHostIsRefusedWhenTheInstanceIsMade() {
        JobletConfig.Builder b = JobletConfig.builder().warmPoolSize(0).netnsPoolSize(0);
        assertThatThrownBy(() -> Joblet.create(b.cgroupRoot(Path.of("/no/such/cgroup")).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cgroupRoot (/no/such/cgroup) does not exist");
        assertThatThrownBy(() -> Joblet.create(b.cgroupRoot(Path.of("/etc/hostname")).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cgroupRoot (/etc/hostname) is not a directory");
        assertThatThrownBy(() -> Joblet.create(b.cgroupRoot(Path.of("/sys/fs/cgroup/../../../etc")).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cgroupRoot (/etc) is not on a cgroup v2 filesystem");
        JobletConfig.Builder c = JobletConfig.builder().warmPoolSize(0).netnsPoolSize(0);
        assertThatThrownBy(() -> Joblet.create(c.stateRoot(Path.of("/etc/hostname")).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("stateRoot (/etc/hostname) is not a directory");
        assertThatThrownBy(() -> Joblet.create(JobletConfig.builder().runtimesRoot(Path.of("/etc/hostname")).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("runtimesRoot (/etc/hostname) is not a directory");
        assertThatThrownBy(() -> Joblet.create(JobletConfig.builder().volumesRoot(Path.of("/etc/hostname")).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("volumesRoot (/etc/hostname) is not a directory");
        // Roots made on first use may be missing.
        Joblet.create(JobletConfig.builder().stateRoot(Path.of("/no/such/state")).warmPoolSize(0).build()).close();
    }

    /** The legacy switches are read by fromSystemProperties only, and a malformed one is named with its value. */
    @Test
    void theLegacySystemPropertiesAreReadByFromSystemPropertiesOnly() {
        String[] names = {"joblet.pool.size", "joblet.idRange", "joblet.netnsPool.size", "joblet.pool.idleMillis"};
        try {
            System.setProperty("joblet.pool.size", "5");
            System.setProperty("joblet.idRange", "200000-200009");
            System.setProperty("joblet.netnsPool.size", "0");
            System.setProperty("joblet.pool.idleMillis", "1500");
            JobletConfig c = JobletConfig.fromSystemProperties();
            assertThat(c.warmPoolSize()).isEqualTo(5);
            assertThat(c.firstId()).isEqualTo(200_000);
            assertThat(c.idCount()).isEqualTo(10);
            assertThat(c.netnsPoolSize()).isZero();
            assertThat(c.warmPoolIdle()).isEqualTo(Duration.ofMillis(1500));
            assertThat(JobletConfig.defaults().warmPoolSize()).as("defaults() reads none").isEqualTo(2);
            System.setProperty("joblet.pool.size", "many");
            assertThatThrownBy(JobletConfig::fromSystemProperties).hasMessage("joblet.pool.size (\"many\") must be a number");
            System.setProperty("joblet.pool.size", "99");
            assertThatThrownBy(JobletConfig::fromSystemProperties).hasMessage("warmPoolSize (99) must be between 0 and 64");
            System.clearProperty("joblet.pool.size");
            System.setProperty("joblet.idRange", "7-");
            assertThatThrownBy(JobletConfig::fromSystemProperties).hasMessageStartingWith("joblet.idRange (7-) must be"
                    + " FIRST-LAST");
        } finally {
            for (String n : names) {
                System.clearProperty(n);
            }
        }
    }
}
