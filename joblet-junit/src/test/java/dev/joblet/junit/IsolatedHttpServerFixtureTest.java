package dev.joblet.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.MemorySize;
import dev.joblet.testing.NeedsRoot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 22, item 6: a real server ({@code python3 -m http.server}) on an isolated private network of its own,
 * ready once an HTTP GET answers, called from this JVM through its mapped port on 127.0.0.1.
 */
@NeedsRoot("for namespaces, cgroups and a private network")
class IsolatedHttpServerFixtureTest {
    @RegisterExtension
    static Fixture server = Fixture.builder("bash", "-c", "echo hello from the sandbox > /work/hello.txt && "
                    + "exec python3 -u -m http.server 8000 --directory /work")
            .exposedPorts(8000)
            .memory(MemorySize.ofMegabytes(128))
            .waitingFor(Wait.forHttp("/hello.txt").forStatusCode(200).forResponseBody("hello"))
            .build();

    @Test
    void answersThroughItsMappedPort() throws Exception {
        int port = server.mappedPort(8000);
        assertThat(port).isNotEqualTo(8000).isBetween(1, 65535);
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://" + server.host() + ":" + port + "/hello.txt")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello from the sandbox\n");
    }

    @Test
    void runsOnANetworkOfItsOwn() {
        FixtureProcess p = server.process();
        String address = p.address().orElseThrow();
        assertThat(address).startsWith("10.247.");
        // It is the only member of its network; no port of it but 8000 is published.
        Map<String, String> members = ((dev.joblet.PrivateNetwork) p.job().spec().network()).members();
        assertThat(members).hasSize(1).containsValue(address);
        assertThat(p.job().spec().published()).containsOnlyKeys(8000);
        assertThat(Wait.listeningPorts(p.pid())).contains(8000);
    }
}
