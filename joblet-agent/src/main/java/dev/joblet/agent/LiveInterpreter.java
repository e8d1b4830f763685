package dev.joblet.agent;

import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.JobSpec;
import dev.joblet.Joblet;
import dev.joblet.JobletException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's live interpreters: one job whose command is the supervisor ({@code supervisor.py}, passed as
 * {@code python3 -c}), which keeps one kernel per language and the background processes as its children. The
 * supervisor and this class speak frames over the job's terminal (set raw before the {@code ready} frame): a header
 * line {@code TYPE ID [ARG...] LEN} and LEN bytes; supervisor.py documents them. No Java runs in the job.
 *
 * <p>Owns the job and one reader thread ({@code joblet-cell-reader}), which parses frames, feeds listeners and
 * completes cells; both end in {@link #close()} (idempotent) or when the job ends by itself (e.g. killed for
 * memory), after which every pending cell completes as CRASHED and every background process as ended. Thread-safe;
 * the session serializes cells.
 */
final class LiveInterpreter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveInterpreter.class);
    private static final List<String> SOURCES = List.of(
            resource("supervisor.py"), resource("kernel.py"), resource("kernel.sh"), resource("kernel.js"));
    /** Longest frame header; longest payload the supervisor sends (it reads at most 64 KiB; values can be long). */
    private static final int MAX_HEADER = 256;
    private static final int MAX_PAYLOAD = 64 * 1024 * 1024;
    /** Beyond a cell's timeout: the supervisor's SIGINT-to-SIGKILL grace and restart, then a margin. */
    private static final Duration BACKSTOP = Duration.ofSeconds(15);
    private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    private final Job job;
    private final OutputStream input; // guarded by itself
    private final int outputLimit;
    private final Thread reader;
    private final CompletableFuture<Set<String>> ready = new CompletableFuture<>();
    private final Map<String, RunningCell> cells = new ConcurrentHashMap<>();
    private final Map<String, BackgroundProcess> background = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** Why the job ended (null while it runs): set by the reader thread before it fails the pending work. */
    private volatile @Nullable String ended;

    private LiveInterpreter(Job job, int outputLimit) {
        this.job = job;
        this.input = job.terminalInput();
        this.outputLimit = outputLimit;
        this.reader = new Thread(this::readLoop, "joblet-cell-reader-" + job.id().shortForm());
        reader.setDaemon(true);
    }

    private static String resource(String name) {
        try (InputStream in = LiveInterpreter.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from joblet-agent's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The job's command: the supervisor with the kernels' sources as its arguments. */
    static List<String> command() {
        return List.of("python3", "-c", SOURCES.get(0), SOURCES.get(1), SOURCES.get(2), SOURCES.get(3));
    }

    /**
     * Starts the session job from {@code spec} (the session's limits, identity and {@code /work}) and waits until the
     * supervisor is ready.
     *
     * @throws JobletException when the job cannot start or the supervisor does not come up (e.g. no python3)
     */
    static LiveInterpreter start(Joblet joblet, JobSpec spec, int outputLimit) throws JobletException, InterruptedException {
        JobSpec live = spec.toBuilder().command(command()).tty(true).init(true).timeout(FOREVER).build();
        Job job = joblet.start(live);
        LiveInterpreter li = new LiveInterpreter(job, outputLimit);
        li.reader.start();
        try {
            Set<String> langs = li.ready.get(30, TimeUnit.SECONDS);
            log.debug("session job {} ready: {}", job.id().shortForm(), langs);
            return li;
        } catch (ExecutionException e) {
            li.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new JobletException("the session's interpreter did not start: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            li.close();
            throw new JobletException("the session's interpreter did not start within 30 s");
        } catch (InterruptedException | RuntimeException e) {
            li.close();
            throw e;
        }
    }

    /** The languages the sandbox's runtime has (python3 always; bash and node when on its PATH). */
    Set<String> languages() {
        return ready.getNow(Set.of());
    }

    boolean isAlive() {
        return ended == null;
    }

    /** Why the job ended, or null while it runs. */
    @Nullable String endedBecause() {
        return ended;
    }

    /**
     * Runs one cell and waits for its result. Interrupting the calling thread interrupts the cell (the state is
     * kept) and throws.
     */
    CellResult run(Language language, String code, Duration timeout, OutputListener listener) throws InterruptedException {
        String id = "c" + ids.incrementAndGet();
        RunningCell cell = new RunningCell(language, listener, outputLimit);
        cells.put(id, cell);
        try {
            String why = ended;
            if (why != null) {
                cell.crash(why);
            } else {
                long ms = Math.max(1, Math.min(timeout.toMillis(), 1_000_000_000_000L));
                send("cell " + id + " " + language.program() + " " + ms, code.getBytes(StandardCharsets.UTF_8));
            }
            try {
                return cell.result.get(timeout.plus(BACKSTOP).toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                log.warn("session job {}: cell {} got no answer {} after its timeout; killing the session job",
                        job.id().shortForm(), id, BACKSTOP);
                job.close(); // the reader sees the end and crashes the cell
                return cell.result.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                send("int " + id, new byte[0]);
                throw e;
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cell " + id + " failed", e);
        } finally {
            cells.remove(id);
        }
    }

    /** Starts {@code bash -c command} in the background. */
    BackgroundProcess start(String command, OutputListener listener) {
        String id = "b" + ids.incrementAndGet();
        BackgroundProcess p = new BackgroundProcess(id, command, listener, this, outputLimit);
        background.put(id, p);
        String why = ended;
        if (why != null) {
            background.remove(id);
            p.ended(why);
        } else {
            send("start " + id, command.getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    void kill(String id) {
        send("kill " + id, new byte[0]);
    }

    private void send(String header, byte[] payload) {
        byte[] head = (header + " " + payload.length + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            synchronized (input) {
                input.write(head);
                input.write(payload);
                input.flush();
            }
        } catch (IOException e) {
            // the job ended: the reader reports it to every pending cell
            log.debug("session job {}: cannot send {}: {}", job.id().shortForm(), header, e.getMessage());
        }
    }

    private void readLoop() {
        String why = "the session's sandbox ended";
        try (InputStream in = job.stdout().open()) {
            if (awaitReady(in)) {
                while (true) {
                    String header = readHeader(in);
                    if (header == null) {
                        break;
                    }
                    String[] h = header.split(" ");
                    int len = h.length >= 3 ? Integer.parseInt(h[h.length - 1]) : -1;
                    if (len < 0 || len > MAX_PAYLOAD) {
                        throw new IOException("bad frame header from the session job: " + header);
                    }
                    byte[] payload = in.readNBytes(len);
                    if (payload.length < len) {
                        break;
                    }
                    dispatch(h[0], h[1], payload);
                }
            }
        } catch (IOException | RuntimeException e) {
            why = "the session's sandbox failed: " + e.getMessage();
            log.debug("session job {}: {}", job.id().shortForm(), why, e);
        } finally {
            why = endReason(why);
            ended = why;
            job.close();
            for (RunningCell c : cells.values()) {
                c.crash(why);
            }
            for (BackgroundProcess p : background.values()) {
                p.ended(why);
            }
            background.clear();
            ready.completeExceptionally(new JobletException(why));
        }
    }

    private String endReason(String why) {
        try {
            JobResult r = job.onExit().get(2, TimeUnit.SECONDS);
            return why + " (" + r.reason() + (r.message().isEmpty() ? "" : ": " + r.message()) + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return why;
        } catch (ExecutionException | TimeoutException e) {
            return why;
        }
    }

    /** Reads up to the ready frame; anything before it (a python3 that cannot start) becomes the failure message. */
    private boolean awaitReady(InputStream in) throws IOException {
        ByteArrayOutputStream before = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b != '\n') {
                if (line.size() < 64 * 1024) {
                    line.write(b);
                }
                continue;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            String[] h = text.split(" ");
            if (h.length == 3 && h[0].equals("ready")) {
                byte[] langs = in.readNBytes(Integer.parseInt(h[2]));
                ready.complete(Set.of(new String(langs, StandardCharsets.US_ASCII).split(" ")));
                return true;
            }
            before.writeBytes((text + "\n").getBytes(StandardCharsets.UTF_8));
        }
        before.writeBytes(line.toByteArray());
        ready.completeExceptionally(new JobletException("the session job ended before its interpreter was ready: "
                + before.toString(StandardCharsets.UTF_8).strip()));
        return false;
    }

    private static @Nullable String readHeader(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return sb.toString();
            }
            if (sb.length() >= MAX_HEADER) {
                throw new IOException("frame header longer than " + MAX_HEADER + " bytes: " + sb);
            }
            sb.append((char) b);
        }
        return null;
    }

    private void dispatch(String type, String id, byte[] payload) {
        RunningCell cell = cells.get(id);
        BackgroundProcess bg = background.get(id);
        switch (type) {
            case "out":
            case "err":
                if (cell != null) {
                    cell.output(type.equals("out"), payload);
                } else if (bg != null) {
                    bg.output(type.equals("out"), payload);
                }
                break;
            case "value":
                if (cell != null) {
                    cell.value = new String(payload, StandardCharsets.UTF_8);
                }
                break;
            case "error":
                if (cell != null) {
                    String[] e = new String(payload, StandardCharsets.UTF_8).split("\n", 3);
                    cell.error = new CellResult.Failure(e[0], e.length > 1 ? e[1] : "", e.length > 2 ? e[2] : "");
                }
                break;
            case "done":
                if (cell != null) {
                    String[] d = new String(payload, StandardCharsets.UTF_8).split("\n", 3);
                    cell.done(d[0], d.length > 1 && d[1].equals("1"), d.length > 2 ? d[2] : "");
                }
                break;
            case "exit":
                if (bg != null) {
                    background.remove(id);
                    bg.ended(new String(payload, StandardCharsets.US_ASCII));
                }
                break;
            default:
                throw new IllegalStateException("unknown frame type from the session job: " + type);
        }
    }

    /** Ends the job (its kernels and background processes with it) and waits for the reader thread. Idempotent. */
    @Override
    public void close() {
        job.close();
        if (Thread.currentThread() != reader) {
            try {
                reader.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    String jobId() {
        return job.id().shortForm();
    }
}
