package dev.joblet.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A private network's resolv.conf names only the nameservers its egress reaches on port 53; the rest stays. */
class ResolvFileTest {
    private static final String HOST = "# generated\nnameserver 10.255.255.53\nnameserver 127.0.0.53\n"
            + "nameserver fd00::1\nsearch example.org\noptions edns0\n";

    private static Allow allow(String cidr, Integer... ports) {
        return new Allow(Cidr.parse("egress cidr", cidr), List.of(ports));
    }

    @Test
    void withoutEgressNoNameserverIsLeft() {
        String f = ResolvFile.forNetwork("web", HOST, List.of());
        assertThat(f).doesNotContain("\nnameserver").contains("\nsearch example.org\n").contains("\noptions edns0\n")
                .contains("# left out, its egress does not reach them on port 53: 10.255.255.53 127.0.0.53 fd00::1");
    }

    @Test
    void aNameserverTheEgressReachesOnPort53OrEveryPortStays() {
        assertThat(ResolvFile.forNetwork("web", HOST, List.of(allow("10.255.255.0/24", 53))))
                .contains("\nnameserver 10.255.255.53\n").doesNotContain("nameserver 127.").doesNotContain("nameserver fd00");
        assertThat(ResolvFile.forNetwork("web", HOST, List.of(allow("0.0.0.0/0"))))
                .contains("\nnameserver 10.255.255.53\n");
        assertThat(ResolvFile.forNetwork("web", HOST, List.of(allow("0.0.0.0/0", 443), allow("10.0.0.0/8", 80))))
                .doesNotContain("\nnameserver");
    }

    @Test
    void noHostFileGivesOneWithoutNameservers() {
        assertThat(ResolvFile.forNetwork("web", "", List.of(allow("0.0.0.0/0"))))
                .isEqualTo("# network web: the host's resolv.conf with the nameservers its jobs can reach\n");
    }
}
