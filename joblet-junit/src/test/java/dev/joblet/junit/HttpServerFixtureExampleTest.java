package dev.joblet.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.Network;
import dev.joblet.testing.NeedsRoot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Example: a small HTTP server as a sandboxed fixture. It binds port 0 on loopback and prints the port it got;
 * the readyLog's group 1 hands that port to the test. The extension stops the server after the test and
 * checks nothing of it is left.
 */
@NeedsRoot("for namespaces and cgroups")
class HttpServerFixtureExampleTest {

    @Test
    void servesAFileFromItsSandbox(
            @JobletFixture(
                    command = {"bash", "-c", "echo hello from the sandbox > /work/hello.txt && "
                            + "exec python3 -u -m http.server 0 --bind 127.0.0.1 --directory /work"},
                    network = "host", // shares the host's loopback so the test can connect
                    memoryMb = 128,
                    cpu = 50,
                    readyLog = "Serving HTTP on 127\\.0\\.0\\.1 port (\\d+)")
            FixtureProcess server) throws Exception {
        int port = Integer.parseInt(server.readyGroup(1));
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello.txt")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello from the sandbox\n");
        assertThat(server.isAlive()).isTrue();
    }
}
