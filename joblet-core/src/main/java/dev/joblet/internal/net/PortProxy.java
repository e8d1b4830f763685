package dev.joblet.internal.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A published port: a TCP listener on the host's loopback that relays each connection to the job's address and
 * port on its private network. Threads: one acceptor, two per open connection; a connection's sockets are closed
 * and its threads end as soon as both directions have finished; {@link #close()} ends the rest.
 * Thread-safe.
 */
public final class PortProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PortProxy.class);

    private final ServerSocketChannel server;
    private final InetSocketAddress target;
    private final List<SocketChannel> open = new ArrayList<>(); // guarded by itself
    private final List<Thread> threads = new ArrayList<>(); // guarded by open
    private final Thread acceptor;
    private volatile boolean closed;

    private PortProxy(ServerSocketChannel server, InetSocketAddress target, String name) {
        this.server = server;
        this.target = target;
        this.acceptor = new Thread(this::acceptLoop, name);
        acceptor.setDaemon(true);
    }

    /** Listens on 127.0.0.1:{@code hostPort} (0: any free port) and relays to {@code jobAddress:jobPort}. */
    public static PortProxy open(int hostPort, int jobAddress, int jobPort, String jobName) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), hostPort));
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot publish port " + jobPort + " on 127.0.0.1:" + hostPort + ": " + e.getMessage(), e);
        }
        PortProxy p = new PortProxy(s, new InetSocketAddress(Cidr.format(jobAddress), jobPort),
                "joblet-publish-" + jobName + "-" + jobPort);
        p.acceptor.start();
        return p;
    }

    /** The port on 127.0.0.1 that this proxy listens on. */
    public int hostPort() {
        return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.debug("publish {}: accept: {}", target, e.getMessage());
                }
                return;
            }
            SocketChannel upstream;
            try {
                upstream = SocketChannel.open(target);
            } catch (IOException e) {
                log.debug("publish {}: connect: {}", target, e.getMessage());
                closeQuietly(client);
                continue;
            }
            synchronized (open) {
                if (closed) {
                    closeQuietly(client);
                    closeQuietly(upstream);
                    return;
                }
                open.add(client);
                open.add(upstream);
                threads.removeIf(t -> !t.isAlive());
                AtomicInteger directions = new AtomicInteger(2);
                threads.add(pump(client, upstream, directions));
                threads.add(pump(upstream, client, directions));
            }
        }
    }

    /**
     * Copies {@code from} to {@code to} until EOF, then half-closes {@code to}; the second direction to finish
     * closes both sockets (a failure closes them at once), so a finished connection holds nothing until close().
     */
    private Thread pump(SocketChannel from, SocketChannel to, AtomicInteger directions) {
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            try {
                while (from.read(buf) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        to.write(buf);
                    }
                    buf.clear();
                }
                to.shutdownOutput();
            } catch (ClosedChannelException e) {
                // closed by the other direction or by close()
            } catch (IOException e) {
                log.debug("publish {}: {}", target, e.getMessage());
                closeQuietly(from);
                closeQuietly(to);
            } finally {
                if (directions.decrementAndGet() == 0) {
                    closeQuietly(from);
                    closeQuietly(to);
                    synchronized (open) {
                        open.remove(from);
                        open.remove(to);
                    }
                }
            }
        }, acceptor.getName() + "-io");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    /** Stops listening, closes every relayed connection and waits for the proxy's threads to end. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            log.debug("publish {}: close: {}", target, e.getMessage());
        }
        List<Thread> all;
        synchronized (open) {
            open.forEach(PortProxy::closeQuietly);
            open.clear();
            all = new ArrayList<>(threads);
            all.add(acceptor);
        }
        for (Thread t : all) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
