package dev.joblet.examples.rnx;

import dev.joblet.EndReason;
import dev.joblet.JobResult;
import dev.joblet.Usage;
import org.jspecify.annotations.Nullable;

/**
 * The one-line JSON that {@code rnx job run --json} prints last on stdout, e.g.
 * {@code {"id":"…","reason":"EXITED","exitCode":0,"signal":null,"durationMs":41,"message":"","usage":{…}}}.
 * Absent values are {@code null}; usage figures the host does not report are -1.
 */
final class JsonResult {
    private JsonResult() {}

    static String of(JobResult r) {
        Usage u = r.usage();
        return "{\"id\":" + string(r.jobId().toString())
                + ",\"reason\":" + string(r.reason().name())
                + ",\"exitCode\":" + (r.exitCode().isPresent() ? String.valueOf(r.exitCode().getAsInt()) : "null")
                + ",\"signal\":" + (r.signal().isPresent() ? String.valueOf(r.signal().getAsInt()) : "null")
                + ",\"durationMs\":" + r.duration().toMillis()
                + ",\"message\":" + string(r.message())
                + ",\"usage\":{\"cpuUserMicros\":" + u.cpuUserMicros()
                + ",\"cpuSystemMicros\":" + u.cpuSystemMicros()
                + ",\"cpuThrottledMicros\":" + u.cpuThrottledMicros()
                + ",\"memoryPeakBytes\":" + u.memoryPeakBytes()
                + ",\"pidsPeak\":" + u.pidsPeak()
                + ",\"pidsLimitHit\":" + u.pidsLimitHit()
                + ",\"oomKills\":" + u.oomKills()
                + ",\"ioReadBytes\":" + u.ioReadBytes()
                + ",\"ioWriteBytes\":" + u.ioWriteBytes() + "}}";
    }

    /** For a job that never ran: no id, no usage. */
    static String startFailure(String message) {
        return "{\"id\":null,\"reason\":" + string(EndReason.FAILED_TO_START.name())
                + ",\"exitCode\":null,\"signal\":null,\"durationMs\":0,\"message\":" + string(message) + ",\"usage\":null}";
    }

    static String string(@Nullable String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
