package dev.joblet.examples.sse;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.joblet.Job;
import dev.joblet.JobletException;
import dev.joblet.Joblet;
import dev.joblet.JobRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server on the loopback interface (the JDK's {@link HttpServer}) that starts jobs and streams their
 * logs as Server-Sent Events:
 *
 * <ul>
 *   <li>{@code GET /} a page that starts a command and shows its output live with {@code EventSource};
 *   <li>{@code POST /jobs} with a shell command line as the body starts {@code bash -c <body>} and answers
 *       201 with the job id;
 *   <li>{@code GET /jobs/{id}/logs} streams the job's log (resuming from {@code Last-Event-ID} or
 *       {@code ?from=}), then an {@code exit} event.
 * </ul>
 *
 * Streams are served by a fixed pool of {@code streams} threads. Thread-safe; {@link #close()} stops the
 * server and every job it started.
 */
public final class LogServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogServer.class);
    private static final Pattern LOGS = Pattern.compile("/jobs/([0-9a-f-]{36})/logs");
    private static final Pattern REPORT = Pattern.compile("/jobs/([0-9a-f-]{36})/report");

    private final HttpServer server;
    private final ExecutorService pool;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, String> reports = new ConcurrentHashMap<>();
    private final java.util.Set<String> seenLive = ConcurrentHashMap.newKeySet();
    private final int dropAfter;

    /**
     * @param port the loopback port, 0 for any free one
     * @param streams how many requests are served at once (each open log stream holds one)
     * @param dropAfter if positive, every stream is closed after that many events, to show (and test) that
     *     browsers resume without loss; 0 for normal operation
     */
    public LogServer(int port, int streams, int dropAfter) throws IOException {
        if (streams < 1) {
            throw new IllegalArgumentException("streams (" + streams + ") must be positive");
        }
        if (dropAfter < 0) {
            throw new IllegalArgumentException("dropAfter (" + dropAfter + ") must not be negative");
        }
        this.dropAfter = dropAfter;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        this.pool = Executors.newFixedThreadPool(streams, r -> {
            Thread t = new Thread(r, "log-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
        log.debug("log server on {}", uri());
    }

    /** The server's base address, e.g. {@code http://127.0.0.1:8080/}. */
    public URI uri() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/");
    }

    /** A job this server started. */
    public Optional<Job> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** What the page posted to {@code /jobs/{id}/report} (the text it received), if it did. */
    public Optional<String> report(String id) {
        return Optional.ofNullable(reports.get(id));
    }

    /** True if the page reported output of the job while the job was still running. */
    public boolean reportedWhileRunning(String id) {
        return seenLive.contains(id);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            Matcher logs = LOGS.matcher(path);
            Matcher report = REPORT.matcher(path);
            if (method.equals("GET") && path.equals("/")) {
                page(ex);
            } else if (method.equals("POST") && path.equals("/jobs")) {
                startJob(ex);
            } else if (method.equals("GET") && logs.matches()) {
                Job job = jobs.get(logs.group(1));
                if (job == null) {
                    send(ex, 404, "no job " + logs.group(1));
                } else {
                    new SseStream(ex, job, dropAfter).serve();
                }
            } else if (method.equals("POST") && report.matches() && jobs.containsKey(report.group(1))) {
                String id = report.group(1);
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Job job = jobs.get(id);
                if (job != null && job.isAlive()) {
                    seenLive.add(id);
                }
                // fetches may land out of order; a later report holds everything an earlier one did, and more
                reports.merge(id, body, (old, nu) -> nu.length() >= old.length() ? nu : old);
                send(ex, 204, "");
            } else {
                send(ex, 404, "not found: " + method + " " + path);
            }
        } catch (RuntimeException e) {
            log.debug("request failed", e);
            throw e;
        }
    }

    private void page(HttpExchange ex) throws IOException {
        byte[] html;
        try (InputStream in = LogServer.class.getResourceAsStream("index.html")) {
            html = in.readAllBytes();
        }
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        ex.sendResponseHeaders(200, html.length);
        ex.getResponseBody().write(html);
    }

    private void startJob(HttpExchange ex) throws IOException {
        String command = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (command.isEmpty()) {
            send(ex, 400, "the body must be a command line");
            return;
        }
        try {
            Job job = Joblet.builder().runtime(JobRuntime.host()).timeout(Duration.ofMinutes(10))
                    .command("bash", "-c", command).start();
            jobs.put(job.id(), job);
            ex.getResponseHeaders().set("Location", "/jobs/" + job.id() + "/logs");
            send(ex, 201, job.id());
        } catch (JobletException | IllegalArgumentException e) {
            send(ex, 400, String.valueOf(e.getMessage()));
        }
    }

    static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    /** Stops the server (open streams end) and every job it started. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        jobs.values().forEach(Job::close);
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs the server until the JVM is stopped: {@code LogServer [port]} (default 8080). */
    public static void main(String[] args) throws Exception {
        LogServer s = new LogServer(args.length > 0 ? Integer.parseInt(args[0]) : 8080, 16, 0);
        java.lang.Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        System.out.println("open " + s.uri());
        Thread.currentThread().join();
    }
}
