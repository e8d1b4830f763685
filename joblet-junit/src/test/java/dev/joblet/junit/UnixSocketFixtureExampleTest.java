package dev.joblet.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Example: a fixture with no network at all (its own network namespace) that serves on a Unix socket. Readiness
 * is the socket file appearing; the test reaches it through {@link FixtureProcess#path(String)}.
 */
@NeedsRoot("for namespaces and cgroups")
class UnixSocketFixtureExampleTest {
    private static final String ECHO_SERVER = "import socketserver\n"
            + "class Upper(socketserver.StreamRequestHandler):\n"
            + "    def handle(self):\n"
            + "        self.wfile.write(self.rfile.readline().upper())\n"
            + "socketserver.UnixStreamServer('/work/echo.sock', Upper).serve_forever()\n";

    @Test
    void talksToAServerWithoutNetwork(
            @JobletFixture(command = {"python3", "-c", ECHO_SERVER}, memoryMb = 64, pidsMax = 8, readyFile = "/work/echo.sock")
            FixtureProcess server) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(server.path("/work/echo.sock")));
            ch.write(ByteBuffer.wrap("quiet in here\n".getBytes(StandardCharsets.UTF_8)));
            ByteBuffer reply = ByteBuffer.allocate(64);
            while (ch.read(reply) >= 0) {
                // read until the server closes the connection
            }
            assertThat(new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8)).isEqualTo("QUIET IN HERE\n");
        }
    }
}
