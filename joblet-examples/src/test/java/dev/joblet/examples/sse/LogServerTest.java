package dev.joblet.examples.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.testing.NeedsRoot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SSE example server with real jobs (so root) and a spec-following client. */
@NeedsRoot("to run real jobs (namespaces, mounts and cgroups)")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LogServerTest {
    /** Pauses now and then, so that the output arrives in many chunks. */
    private static final String COMMAND =
            "for i in $(seq 1 300); do echo out $i; echo err $i >&2; [ $((i % 30)) = 0 ] && sleep 0.05; done; exit 3";
    private static final String OUT = IntStream.rangeClosed(1, 300).mapToObj(i -> "out " + i + "\n").collect(Collectors.joining());
    private static final String ERR = IntStream.rangeClosed(1, 300).mapToObj(i -> "err " + i + "\n").collect(Collectors.joining());

    private static String text(List<SseClient.Event> events, String stream) {
        return events.stream().filter(e -> e.event().equals(stream)).map(SseClient.Event::data).collect(Collectors.joining());
    }

    @Test
    void streamsStdoutAndStderrApartThenTheExit() throws Exception {
        try (LogServer server = new LogServer(0, 4, 0)) {
            String id = SseClient.post(server.uri().resolve("/jobs"), COMMAND);
            List<SseClient.Event> events = SseClient.read(server.uri().resolve("/jobs/" + id + "/logs"), null);
            assertThat(text(events, "stdout")).isEqualTo(OUT);
            assertThat(text(events, "stderr")).isEqualTo(ERR);
            SseClient.Event exit = events.get(events.size() - 1);
            assertThat(exit.event()).isEqualTo("exit");
            assertThat(exit.data()).contains("\"reason\":\"EXITED\"").contains("\"exitCode\":3");
            assertThat(Long.parseLong(exit.id())).isEqualTo(OUT.length() + ERR.length());
            assertThat(events).noneMatch(e -> e.event().equals("gap"));
            long previous = 0; // ids only grow
            for (SseClient.Event e : events) {
                assertThat(Long.parseLong(e.id())).isGreaterThanOrEqualTo(previous);
                previous = Long.parseLong(e.id());
            }
        }
    }

    @Test
    void aClientResumingWithLastEventIdAfterEveryDropLosesAndRepeatsNothing() throws Exception {
        try (LogServer server = new LogServer(0, 4, 3)) {
            String id = SseClient.post(server.uri().resolve("/jobs"), COMMAND);
            List<SseClient.Event> all = new ArrayList<>();
            String last = null;
            int connections = 0;
            while (all.isEmpty() || !all.get(all.size() - 1).event().equals("exit")) {
                List<SseClient.Event> got = SseClient.read(server.uri().resolve("/jobs/" + id + "/logs"), last);
                connections++;
                all.addAll(got);
                if (!got.isEmpty()) {
                    last = got.get(got.size() - 1).id();
                }
            }
            assertThat(connections).isGreaterThan(1);
            assertThat(text(all, "stdout")).isEqualTo(OUT);
            assertThat(text(all, "stderr")).isEqualTo(ERR);
        }
    }

    @Test
    void aBadLastEventIdOrUnknownJobIsRefused() throws Exception {
        try (LogServer server = new LogServer(0, 2, 0)) {
            String id = SseClient.post(server.uri().resolve("/jobs"), "echo hi");
            assertThatThrownBy(() -> SseClient.read(server.uri().resolve("/jobs/" + id + "/logs"), "abc"))
                    .isInstanceOf(IOException.class).hasMessageContaining("400").hasMessageContaining("Last-Event-ID (abc)");
            assertThatThrownBy(() -> SseClient.read(server.uri().resolve("/jobs/" + id + "/logs"), "999999"))
                    .isInstanceOf(IOException.class).hasMessageContaining("400").hasMessageContaining("offset (999999)");
            assertThatThrownBy(() -> SseClient.read(server.uri().resolve("/jobs/00000000-0000-0000-0000-000000000000/logs"), null))
                    .isInstanceOf(IOException.class).hasMessageContaining("404");
        }
    }
}
