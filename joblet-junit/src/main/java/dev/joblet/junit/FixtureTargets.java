package dev.joblet.junit;

import dev.joblet.Network;
import java.util.Set;

/** What a fixture's definition offers a wait strategy: its published ports and its kind of network. Immutable. */
final class FixtureTargets {
    final Set<Integer> exposed;
    final Network network;

    FixtureTargets(Set<Integer> exposed, Network network) {
        this.exposed = Set.copyOf(exposed);
        this.network = network;
    }

    /**
     * The port {@code what} reaches from the test's JVM: a published one, or on the host's network any port;
     * {@code port} 0 means the fixture's only exposed port.
     */
    int checkReachable(String what, int port) {
        if (port == 0) {
            if (exposed.size() == 1) {
                return exposed.iterator().next();
            }
            throw new IllegalArgumentException(what + " needs a port: the fixture exposes " + (exposed.isEmpty() ? "none"
                    : sorted() + ", name one"));
        }
        checkPort(what + " port", port);
        if (!exposed.contains(port) && network != Network.HOST) {
            throw new IllegalArgumentException(what + " port (" + port + ") is not an exposed port of the fixture (exposed: "
                    + sorted() + "); add it with exposedPorts(" + port + ")");
        }
        return port;
    }

    static void checkPort(String field, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(field + " (" + port + ") must be 1 to 65535");
        }
    }

    private java.util.List<Integer> sorted() {
        return exposed.stream().sorted().collect(java.util.stream.Collectors.toList());
    }
}
