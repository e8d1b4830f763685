package dev.joblet.junit;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Waits until an HTTP GET from the test's JVM answers with an expected status (200 unless told otherwise) and,
 * optionally, a body matching a regex. The request goes to the fixture's mapped port on {@code 127.0.0.1} (or the
 * port itself on {@link dev.joblet.Network#HOST}). Immutable and thread-safe: each method returns a copy.
 */
public final class HttpWaitStrategy extends WaitStrategy {
    private static final int MAX_BODY = 64 * 1024;

    private final String path;
    private final int port; // 0: the fixture's only exposed port
    private final int[] statuses;
    private final @Nullable Pattern body;

    HttpWaitStrategy(String path) {
        this(checkPath(path), 0, new int[] {200}, null, DEFAULT_TIMEOUT);
    }

    private HttpWaitStrategy(String path, int port, int[] statuses, @Nullable Pattern body, Duration timeout) {
        super(timeout);
        this.path = path;
        this.port = port;
        this.statuses = statuses;
        this.body = body;
    }

    private static String checkPath(@Nullable String path) {
        if (path == null || !path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("forHttp path (" + path + ") must start with '/' and hold no spaces or controls");
        }
        return path;
    }

    /** The fixture's port to ask (one of its exposed ports); needed when it exposes several. */
    public HttpWaitStrategy forPort(int port) {
        FixtureTargets.checkPort("forHttp port", port);
        return new HttpWaitStrategy(path, port, statuses, body, startupTimeout());
    }

    /** The statuses that count as ready (any of them). */
    public HttpWaitStrategy forStatusCode(int... codes) {
        if (codes == null || codes.length == 0) {
            throw new IllegalArgumentException("forStatusCode needs at least one status");
        }
        for (int c : codes) {
            if (c < 100 || c > 599) {
                throw new IllegalArgumentException("forStatusCode (" + c + ") must be 100 to 599");
            }
        }
        return new HttpWaitStrategy(path, port, codes.clone(), body, startupTimeout());
    }

    /** A regex the response body must contain (searched, not matched whole). */
    public HttpWaitStrategy forResponseBody(String regex) {
        if (regex == null) {
            throw new IllegalArgumentException("forResponseBody regex must not be null");
        }
        return new HttpWaitStrategy(path, port, statuses, Pattern.compile(regex), startupTimeout());
    }

    @Override
    WaitStrategy withTimeout(Duration timeout) {
        return new HttpWaitStrategy(path, port, statuses, body, timeout);
    }

    @Override
    String description() {
        return "HTTP GET " + path + (port == 0 ? "" : " on port " + port) + " answering "
                + (statuses.length == 1 ? Integer.toString(statuses[0]) : Arrays.toString(statuses))
                + (body == null ? "" : " with a body matching /" + body.pattern() + "/");
    }

    @Override
    void validate(FixtureTargets targets) {
        targets.checkReachable("forHttp", port);
    }

    @Override
    @Nullable String notReady(FixtureProcess fixture) {
        int jobPort = port == 0 ? fixture.exposedPorts().get(0) : port;
        URI uri = URI.create("http://" + fixture.host() + ":" + fixture.reachablePort(jobPort) + path);
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(1000);
            c.setInstanceFollowRedirects(false);
            int status = c.getResponseCode();
            if (Arrays.stream(statuses).noneMatch(s -> s == status)) {
                return "status " + status;
            }
            if (body == null) {
                return null;
            }
            String text;
            try (InputStream in = c.getInputStream()) {
                text = new String(in.readNBytes(MAX_BODY), StandardCharsets.UTF_8);
            }
            return body.matcher(text).find() ? null : "status " + status + ", body " + quote(text);
        } catch (IOException e) {
            return uri + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 200 ? s.substring(0, 200) + "..." : s) + "\"";
    }
}
