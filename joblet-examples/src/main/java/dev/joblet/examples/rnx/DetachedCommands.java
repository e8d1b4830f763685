package dev.joblet.examples.rnx;

import dev.joblet.DetachedJob;
import dev.joblet.DetachedLog;
import dev.joblet.DetachedStatus;
import dev.joblet.JobLookupException;
import dev.joblet.Joblet;
import dev.joblet.Usage;
import dev.joblet.UsageSample;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The commands over detached jobs ({@code rnx job run --detach}): {@code list}, {@code status}, {@code log},
 * {@code metrics}, {@code stop}, {@code delete}, {@code delete-all}. Each works from any rnx process: the state is the directory the
 * jobs' supervisors keep. A job is named by its id or an unambiguous prefix of it.
 *
 * <p>Exit status: 0 done; 1 the state directory could not be read or changed; 2 bad usage; 3 no job has that id;
 * 4 the prefix names several jobs (all listed); 5 the job is not in a state that allows it (stop of an ended job,
 * delete of a running one without {@code --force}).
 */
final class DetachedCommands {
    static final int EXIT_IO = 1;
    static final int EXIT_UNKNOWN = 3;
    static final int EXIT_AMBIGUOUS = 4;
    static final int EXIT_STATE = 5;

    private DetachedCommands() {}

    /** What every command shares: the streams, the instance, {@code --json}, and the mapping of failures. */
    abstract static class Base implements Callable<Integer> {
        @Option(names = "--json", description = "Prints JSON (one object per line) instead of text.")
        boolean json;

        final PrintStream out;
        final PrintStream err;
        final Supplier<Joblet> joblet;

        Base(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            this.out = out;
            this.err = err;
            this.joblet = joblet;
        }

        abstract int execute() throws IOException, InterruptedException;

        @Override
        public final Integer call() throws InterruptedException {
            try {
                return execute();
            } catch (JobLookupException e) {
                return fail(e.getMessage(), e.ambiguous() ? EXIT_AMBIGUOUS : EXIT_UNKNOWN, e.candidates());
            } catch (IllegalStateException e) {
                return fail(e.getMessage(), EXIT_STATE, List.of());
            } catch (IllegalArgumentException e) {
                return fail(e.getMessage(), Rnx.EXIT_USAGE, List.of());
            } catch (IOException e) {
                return fail(e.getMessage(), EXIT_IO, List.of());
            }
        }

        /** Reports a failure: "rnx: message" on stderr; with --json also its JSON on stdout (see errorJson). */
        final int fail(@Nullable String message, int exit, List<String> candidates) {
            err.println("rnx: " + message);
            if (json) {
                out.println(errorJson(message, exit, candidates));
            }
            out.flush();
            err.flush();
            return exit;
        }
    }

    /**
     * An error with --json: {@code {"error":{"exit":3,"message":"...","candidates":[...]}}} ({@code candidates}: the
     * ids an ambiguous prefix matches, else empty), on stdout; the message is on stderr too.
     */
    static String errorJson(@Nullable String message, int exit, List<String> candidates) {
        return "{\"error\":{\"exit\":" + exit + ",\"message\":" + JsonResult.string(message) + ",\"candidates\":["
                + candidates.stream().map(JsonResult::string).collect(Collectors.joining(",")) + "]}}";
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists detached jobs: id, name or command, state, started, runtime, limits.")
    static final class ListCommand extends Base {
        ListCommand(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException {
            List<DetachedJob> jobs = joblet.get().jobs();
            if (!json) {
                out.printf("%-8s  %-30s  %-9s  %-19s  %9s  %s%n", "ID", "NAME/COMMAND", "STATE", "STARTED", "RUNTIME",
                        "LIMITS");
            }
            for (DetachedJob j : jobs) {
                DetachedStatus s;
                try {
                    s = j.status();
                } catch (JobLookupException e) {
                    continue; // deleted meanwhile
                }
                if (json) {
                    out.println(statusJson(s));
                } else {
                    String what = s.name().isEmpty() ? String.join(" ", s.command()) : s.name();
                    Instant at = s.scheduledAt();
                    String started = s.state() == DetachedStatus.State.SCHEDULED && at != null ? "at " + TIME.format(at)
                            : s.state() == DetachedStatus.State.CANCELLED ? "-" : TIME.format(s.started());
                    out.printf("%-8s  %-30s  %-9s  %-19s  %9s  %s%n", s.id().shortForm(), cut(what, 30), s.state(),
                            started, duration(s.runtimeSoFar()), s.limits());
                }
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows one detached job: state, exit, end reason, usage, log size.")
    static final class StatusCommand extends Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The job's id or an unambiguous prefix.")
        String id = "";

        StatusCommand(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException {
            DetachedJob j = joblet.get().get(id);
            DetachedStatus s = j.status();
            if (json) {
                out.println(statusJson(s, j.usage()));
                return 0;
            }
            Usage u = j.usage();
            out.println("id:        " + s.id());
            out.println("name:      " + s.name());
            out.println("command:   " + String.join(" ", s.command()));
            out.println("state:     " + s.state() + (s.reason() != null ? " (" + s.reason() + ")" : ""));
            s.scheduledFor().ifPresent(at -> out.println("scheduled: " + TIME.format(at)));
            if (s.state() != DetachedStatus.State.SCHEDULED && s.state() != DetachedStatus.State.CANCELLED) {
                out.println("started:   " + TIME.format(s.started()));
            }
            s.endedAt().ifPresent(e -> out.println("ended:     " + TIME.format(e)));
            out.println("runtime:   " + duration(s.runtimeSoFar()));
            if (s.state() == DetachedStatus.State.ENDED) {
                out.println("exit:      " + (s.exitCode() >= 0 ? "code " + s.exitCode() : "signal " + s.signal()));
                out.println("output:    " + s.stdoutBytes() + " bytes stdout, " + s.stderrBytes() + " bytes stderr"
                        + (s.logCut() ? " (log cut" + (s.logErrno() != 0 ? " by errno " + s.logErrno() : " at its cap")
                        + ")" : ""));
            }
            out.println("limits:    " + s.limits());
            out.println("runtime fs:" + " " + s.runtime());
            out.println("usage:     cpu " + (u.cpuUserMicros() < 0 || u.cpuSystemMicros() < 0 ? "unknown"
                    : (u.cpuUserMicros() + u.cpuSystemMicros()) / 1000 + " ms") + ", memory peak "
                    + bytes(u.memoryPeakBytes()) + ", io read " + bytes(u.ioReadBytes()) + ", io write "
                    + bytes(u.ioWriteBytes()) + ", pids peak " + (u.pidsPeak() < 0 ? "unknown" : u.pidsPeak())
                    + ", oom kills " + u.oomKills());
            out.println("directory: " + j.directory());
            return 0;
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true, description = "Prints a detached job's output (stdout to stdout, stderr to stderr) from its "
            + "log on disk; with -f, follows it until the job ends.")
    static final class LogCommand extends Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The job's id or an unambiguous prefix.")
        String id = "";

        @Option(names = {"-f", "--follow"}, description = "Keeps printing what the job writes until it ends.")
        boolean follow;

        @Option(names = "--since", paramLabel = "OFFSET", description = "Starts at this position of the log file: 0 (the "
                + "default) or a 'next' value printed by log --json.")
        long since;

        @Option(names = "--stream", paramLabel = "stdout|stderr", description = "Only this stream.")
        String stream = "";

        LogCommand(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException, InterruptedException {
            DetachedLog.@Nullable Stream only = switch (stream) {
                case "" -> null;
                case "stdout" -> DetachedLog.Stream.STDOUT;
                case "stderr" -> DetachedLog.Stream.STDERR;
                default -> throw new IllegalArgumentException("--stream (\"" + stream + "\") must be stdout or stderr");
            };
            if (since < 0) {
                throw new IllegalArgumentException("--since (" + since + ") must be 0 or more");
            }
            DetachedJob j = joblet.get().get(id);
            java.util.function.Consumer<DetachedLog.Entry> sink = e -> print(e, only);
            if (follow) {
                j.follow(since, sink);
            } else {
                j.log().requireBoundary(since);
                long pos = since;
                for (List<DetachedLog.Entry> got = j.log().read(pos, 1 << 20); !got.isEmpty();
                        got = j.log().read(pos, 1 << 20)) {
                    for (DetachedLog.Entry e : got) {
                        sink.accept(e);
                        pos = e.next();
                    }
                }
            }
            out.flush();
            err.flush();
            return 0;
        }

        private void print(DetachedLog.Entry e, DetachedLog.@Nullable Stream only) {
            if (only != null && e.stream() != only && e.stream() != DetachedLog.Stream.CUT) {
                return;
            }
            if (json) {
                out.println("{\"stream\":" + JsonResult.string(e.stream().name().toLowerCase(Locale.ROOT))
                        + ",\"offset\":" + e.offset() + ",\"timeMs\":" + e.timeMillis() + ",\"position\":"
                        + e.position() + ",\"next\":" + e.next() + ",\"data\":"
                        + JsonResult.string(new String(e.data(), StandardCharsets.UTF_8)) + "}");
                return;
            }
            switch (e.stream()) {
                case STDOUT -> out.write(e.data(), 0, e.data().length);
                case STDERR -> err.write(e.data(), 0, e.data().length);
                case CUT -> err.println("rnx: the log was cut here (its cap reached, or the disk full): what the job"
                        + " wrote after this is not in it");
            }
        }
    }

    @Command(name = "metrics", mixinStandardHelpOptions = true, description = "Shows what a detached job uses, sampled live from its cgroups: CPU, memory"
            + " current and peak, IO, pids; with -f every second until it ends. After its end: its final usage.")
    static final class MetricsCommand extends Base {
        @Parameters(index = "0", paramLabel = "ID", description = "The job's id or an unambiguous prefix.")
        String id = "";

        @Option(names = {"-f", "--follow"}, description = "Samples every second until the job ends (then its final"
                + " usage).")
        boolean follow;

        MetricsCommand(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException, InterruptedException {
            DetachedJob j = joblet.get().get(id);
            if (!json) {
                out.printf("%-19s  %-5s  %10s  %10s  %10s  %10s  %10s  %5s  %s%n", "TIME", "LIVE", "CPU_MS", "MEM",
                        "MEM_PEAK", "IO_READ", "IO_WRITE", "PIDS", "OOM");
            }
            for (;;) {
                UsageSample u = j.sample();
                print(j, u);
                out.flush();
                if (!follow || !u.live()) {
                    return 0;
                }
                Thread.sleep(1000);
            }
        }

        private void print(DetachedJob j, UsageSample s) {
            Usage u = s.usage();
            long cpu = u.cpuUserMicros() < 0 || u.cpuSystemMicros() < 0 ? -1
                    : (u.cpuUserMicros() + u.cpuSystemMicros()) / 1000;
            if (json) {
                out.println("{\"id\":" + JsonResult.string(j.id().toString()) + ",\"timeMs\":" + s.at().toEpochMilli()
                        + ",\"live\":" + s.live() + ",\"cpuUserMicros\":" + u.cpuUserMicros() + ",\"cpuSystemMicros\":"
                        + u.cpuSystemMicros() + ",\"cpuThrottledMicros\":" + u.cpuThrottledMicros()
                        + ",\"memoryCurrentBytes\":" + s.memoryCurrentBytes() + ",\"memoryPeakBytes\":"
                        + u.memoryPeakBytes() + ",\"ioReadBytes\":" + u.ioReadBytes() + ",\"ioWriteBytes\":"
                        + u.ioWriteBytes() + ",\"pidsCurrent\":" + s.pidsCurrent() + ",\"pidsPeak\":" + u.pidsPeak()
                        + ",\"oomKills\":" + u.oomKills() + "}");
                return;
            }
            out.printf("%-19s  %-5s  %10s  %10s  %10s  %10s  %10s  %5s  %d%n", TIME.format(s.at()),
                    s.live() ? "yes" : "ended", known(cpu), known(s.memoryCurrentBytes()), known(u.memoryPeakBytes()),
                    known(u.ioReadBytes()), known(u.ioWriteBytes()), known(s.pidsCurrent()), u.oomKills());
        }

        private static String known(long v) {
            return v < 0 ? "-" : Long.toString(v);
        }
    }

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    /** "unknown", "1 byte", "42 bytes". */
    static String bytes(long n) {
        return n < 0 ? "unknown" : n == 1 ? "1 byte" : n + " bytes";
    }

    /** A human duration: 0.4s, 2.0s, 1m03s, 2h05m. */
    static String duration(Duration d) {
        long s = d.toSeconds();
        return s < 60 ? String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0)
                : s < 3600 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60)
                : String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60);
    }

    static String statusJson(DetachedStatus s) {
        return statusJson(s, s.usage());
    }

    static String statusJson(DetachedStatus s, Usage u) {
        Instant ended = s.ended();
        return "{\"id\":" + JsonResult.string(s.id().toString())
                + ",\"name\":" + JsonResult.string(s.name())
                + ",\"command\":[" + s.command().stream().map(JsonResult::string).collect(Collectors.joining(",")) + "]"
                + ",\"state\":" + JsonResult.string(s.state().name())
                + ",\"startedMs\":" + s.started().toEpochMilli()
                + ",\"scheduledMs\":" + s.scheduledFor().map(t -> String.valueOf(t.toEpochMilli())).orElse("null")
                + ",\"endedMs\":" + (ended == null ? "null" : String.valueOf(ended.toEpochMilli()))
                + ",\"runtimeMs\":" + s.runtimeSoFar().toMillis()
                + ",\"reason\":" + JsonResult.string(s.reason())
                + ",\"exitCode\":" + (s.exitCode() >= 0 ? String.valueOf(s.exitCode()) : "null")
                + ",\"signal\":" + (s.signal() > 0 ? String.valueOf(s.signal()) : "null")
                + ",\"limits\":" + JsonResult.string(s.limits())
                + ",\"runtime\":" + JsonResult.string(s.runtime())
                + ",\"supervisorPid\":" + s.supervisorPid()
                + ",\"stdoutBytes\":" + s.stdoutBytes() + ",\"stderrBytes\":" + s.stderrBytes()
                + ",\"logCut\":" + s.logCut()
                + ",\"usage\":{\"cpuUserMicros\":" + u.cpuUserMicros() + ",\"cpuSystemMicros\":" + u.cpuSystemMicros()
                + ",\"memoryPeakBytes\":" + u.memoryPeakBytes() + ",\"ioReadBytes\":" + u.ioReadBytes()
                + ",\"ioWriteBytes\":" + u.ioWriteBytes() + ",\"pidsPeak\":" + u.pidsPeak()
                + ",\"oomKills\":" + u.oomKills() + "}}";
    }
}
