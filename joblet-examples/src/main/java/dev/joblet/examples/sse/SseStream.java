package dev.joblet.examples.sse;

import com.sun.net.httpserver.HttpExchange;
import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.LogEvent;
import dev.joblet.SseEncoder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * One {@code text/event-stream} response: subscribes to the job's log from the requested offset and writes
 * events on the serving thread, requesting one more each time one is written (so a slow client only ever
 * holds a few events; if it falls behind what the job's log retains it gets a {@code gap} event). Not
 * thread-safe; one per request.
 */
final class SseStream implements Flow.Subscriber<LogEvent> {
    private static final Object COMPLETE = new Object();
    private static final int WINDOW = 16;

    private final HttpExchange ex;
    private final Job job;
    private final int dropAfter;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(WINDOW + 1);
    private volatile Flow.@Nullable Subscription subscription;

    SseStream(HttpExchange ex, Job job, int dropAfter) {
        this.ex = ex;
        this.job = job;
        this.dropAfter = dropAfter;
    }

    void serve() throws IOException {
        long from;
        try {
            String q = ex.getRequestURI().getQuery();
            String id = ex.getRequestHeaders().getFirst("Last-Event-ID");
            if (id == null && q != null && q.startsWith("from=")) {
                id = q.substring(5);
            }
            from = SseEncoder.resumeOffset(id);
            job.logs().from(from).subscribe(this);
        } catch (IllegalArgumentException e) {
            LogServer.send(ex, 400, String.valueOf(e.getMessage()));
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        SseEncoder enc = new SseEncoder();
        OutputStream out = ex.getResponseBody();
        long end = from;
        int sent = 0;
        try {
            write(out, enc.retry(Duration.ofMillis(500)));
            while (true) {
                Object next = queue.take();
                if (next == COMPLETE) {
                    break;
                }
                if (next instanceof Throwable) {
                    throw new IOException("log subscription failed", (Throwable) next);
                }
                LogEvent e = (LogEvent) next;
                end = e.endOffset();
                write(out, enc.encode(e));
                requestOne();
                if (dropAfter > 0 && ++sent >= dropAfter) {
                    return; // the client reconnects with Last-Event-ID
                }
            }
            JobResult r = job.onExit().join();
            write(out, enc.exit(end, r));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException clientGone) {
            // the browser closed the connection; it reconnects with Last-Event-ID if it wants more
        } finally {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        if (!s.isEmpty()) {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private void requestOne() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.request(1);
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(WINDOW);
    }

    @Override
    public void onNext(LogEvent item) {
        queue.add(item); // never more than WINDOW outstanding: requested one per event taken
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(COMPLETE);
    }
}
