package dev.joblet.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The relay holds no socket of a connection once both its directions have finished. */
class PortProxyTest {

    @Test
    void finishedConnectionsAreClosedAtOnceNotWhenTheJobEnds() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                while (true) {
                    try (Socket c = upstream.accept()) {
                        c.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            server.start();
            int loopback = Cidr.parse("a", "127.0.0.1").base();
            try (PortProxy proxy = PortProxy.open(0, loopback, upstream.getLocalPort(), "test")) {
                long before = sockets();
                for (int i = 0; i < 10; i++) {
                    assertThat(fetch(proxy.hostPort())).isEqualTo("hello\n");
                }
                // The relay's threads close both sockets right after the client has: wait for that, bounded.
                long now = sockets();
                for (int i = 0; i < 500 && now > before; i++) {
                    Thread.sleep(10);
                    now = sockets();
                }
                assertThat(now).as("sockets held after 10 finished connections").isEqualTo(before);
            }
            upstream.close();
            server.join();
        }
    }

    private static String fetch(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static long sockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }
}
