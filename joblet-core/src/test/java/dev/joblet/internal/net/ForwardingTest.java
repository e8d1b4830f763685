package dev.joblet.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ip_forward is turned off again only when this library turned it on and no live JVM needs it, even after a crash. */
class ForwardingTest {
    private static final Owner DEAD = new Owner(4_000_000_000L, 1, "0badcafe");
    private final Owner me = Owner.self();

    @TempDir
    Path dir;

    private Path sysctl(String value) throws Exception {
        Path p = dir.resolve("ip_forward");
        Files.writeString(p, value + "\n");
        return p;
    }

    private static String read(Path p) throws Exception {
        return Files.readString(p).trim();
    }

    @Test
    void turnedOnWhileNeededAndOffAfter() throws Exception {
        Path sysctl = sysctl("0");
        Forwarding f = new Forwarding(dir.resolve("state"), sysctl, me);
        f.want(true);
        assertThat(read(sysctl)).isEqualTo("1");
        assertThat(dir.resolve("state/turned-on")).exists();
        f.want(false);
        assertThat(read(sysctl)).isEqualTo("0");
        assertThat(dir.resolve("state/turned-on")).doesNotExist();
        assertThat(dir.resolve("state/forward-" + me.tag())).doesNotExist();
    }

    @Test
    void leftOnWhenItWasOnBefore() throws Exception {
        Path sysctl = sysctl("1");
        Forwarding f = new Forwarding(dir.resolve("state"), sysctl, me);
        f.want(true);
        f.want(false);
        assertThat(read(sysctl)).isEqualTo("1");
        assertThat(f.sweep()).isZero();
        assertThat(read(sysctl)).isEqualTo("1");
    }

    @Test
    void theSweepTurnsItOffAfterTheJvmThatTurnedItOnDied() throws Exception {
        Path sysctl = sysctl("0");
        new Forwarding(dir.resolve("state"), sysctl, DEAD).want(true); // then "crashes": never says it is done
        assertThat(read(sysctl)).isEqualTo("1");
        assertThat(new Forwarding(dir.resolve("state"), sysctl, me).sweep()).isEqualTo(2);
        assertThat(read(sysctl)).isEqualTo("0");
        try (var s = Files.list(dir.resolve("state"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("lock");
        }
    }

    @Test
    void theSweepLeavesItOnWhileALiveJvmNeedsIt() throws Exception {
        Path sysctl = sysctl("0");
        new Forwarding(dir.resolve("state"), sysctl, DEAD).want(true);
        Forwarding live = new Forwarding(dir.resolve("state"), sysctl, me);
        live.want(true); // already on: this JVM did not turn it on, but needs it
        assertThat(live.sweep()).isEqualTo(1); // the dead JVM's need only
        assertThat(read(sysctl)).isEqualTo("1");
        live.want(false); // the last one to need it turns off what the library turned on
        assertThat(read(sysctl)).isEqualTo("0");
    }
}
