package dev.joblet.internal.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.Network;
import org.junit.jupiter.api.Test;

/** Parsing and overlap of CIDRs, and the bad input of networks that needs no root. */
class CidrTest {

    @Test
    void parsesFormatsAndOverlaps() {
        Cidr a = Cidr.parse("cidr", "10.88.0.0/24");
        assertThat(a).hasToString("10.88.0.0/24");
        assertThat(a.size()).isEqualTo(256);
        assertThat(Cidr.format(a.address(1))).isEqualTo("10.88.0.1");
        assertThat(a.overlaps(Cidr.parse("cidr", "10.88.0.128/25"))).isTrue();
        assertThat(a.overlaps(Cidr.parse("cidr", "10.0.0.0/8"))).isTrue();
        assertThat(a.overlaps(Cidr.parse("cidr", "10.88.1.0/24"))).isFalse();
        assertThat(Cidr.parse("cidr", "192.0.2.7")).isEqualTo(new Cidr(0xC0000207, 32));
        assertThat(Cidr.parse("cidr", "255.255.255.255/32").contains(-1)).isTrue();
    }

    @Test
    void badCidrsAreNamed() {
        assertThatThrownBy(() -> Cidr.parse("cidr", "10.88.0.1/24")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cidr (10.88.0.1/24) has host bits set: did you mean 10.88.0.0/24?");
        assertThatThrownBy(() -> Cidr.parse("cidr", "10.300.0.0/16")).hasMessage("cidr (10.300.0.0/16) has an octet over 255");
        assertThatThrownBy(() -> Cidr.parse("cidr", "fd00::/64")).hasMessage("cidr (fd00::/64) is not an IPv4 CIDR such as 10.1.0.0/24");
        assertThatThrownBy(() -> Cidr.parse("cidr", "10.0.0.0/33")).hasMessage("cidr (10.0.0.0/33) has a prefix over 32");
    }

    @Test
    void badNetworksFailAtTheBuilder() {
        assertThatThrownBy(() -> Network.builder("n", "10.88.0.0/30")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cidr (10.88.0.0/30) must be /8 to /29: too small for a gateway and jobs");
        assertThatThrownBy(() -> Network.builder("n", "10.0.0.0/7")).hasMessage("cidr (10.0.0.0/7) must be /8 to /29: too large");
        assertThatThrownBy(() -> Network.builder("Bad_Name", "10.88.0.0/24")).hasMessageStartingWith("network name (Bad_Name) must be");
        assertThatThrownBy(() -> Network.builder("n", "10.88.0.0/24").allowEgress("10.1.0.0/16", 0))
                .hasMessage("egress port (0) must be 1 to 65535");
        assertThatThrownBy(() -> dev.joblet.Joblet.builder().command("true").publish(80, 0).build())
                .hasMessage("publish (80) needs a private network: network is NONE");
    }
}
