package dev.joblet;

import dev.joblet.namespaces.DetachedSupervisors;
import dev.joblet.namespaces.LaunchException;
import dev.joblet.namespaces.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * A detached job's {@link DetachedStatus}, read from its directory: the {@code job} file (the starting JVM's) and the
 * {@code status} file (the supervisor's: {@code state} scheduled, starting, running, ended or cancelled, see detach.c
 * and schedule.c). A state that needs a live supervisor (scheduled, starting, running) is {@code LOST} the moment
 * that supervisor (pid and start time) is gone or a zombie. Stateless.
 */
final class DetachedStatusFile {
    private DetachedStatusFile() {}

    static DetachedStatus read(JobId id, Path dir) throws IOException {
        Properties job = DetachedStore.read(dir, "job");
        Properties st = DetachedStore.read(dir, "status");
        if (job.isEmpty() && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new JobLookupException("detached job " + id + " is gone (deleted)", List.of());
        }
        List<String> command = new ArrayList<>();
        int n = (int) num(job, "command.count", 0);
        for (int i = 0; i < n; i++) {
            command.add(job.getProperty("command." + i, ""));
        }
        long jobStarted = num(job, "started_ms", 0);
        Instant started = Instant.ofEpochMilli(num(st, "started_ms", jobStarted > 0 ? jobStarted : modified(dir, "")));
        long timeout = num(job, "timeout_ms", 0);
        long startAt = num(st, "start_at_ms", num(job, "start_at_ms", 0));
        DetachedStatus.State state;
        String reason = null;
        String s = st.getProperty("state", "");
        int supervisor = (int) num(st, "supervisor_pid", 0);
        boolean supervisorAlive = DetachedSupervisors.alive(supervisor, num(st, "supervisor_start", -1));
        Instant ended = null;
        switch (s) {
            case "ended" -> {
                state = DetachedStatus.State.ENDED;
                reason = st.getProperty("reason", "exited");
                if (reason.equals("failed")) {
                    reason = "failed to start: " + new LaunchException(Stage.of((int) num(st, "fail_stage", 0)),
                            (int) num(st, "fail_errno", 0), "").getMessage();
                }
                ended = Instant.ofEpochMilli(num(st, "ended_ms", 0));
            }
            case "cancelled" -> {
                state = DetachedStatus.State.CANCELLED;
                reason = "cancelled";
                ended = Instant.ofEpochMilli(num(st, "ended_ms", 0));
            }
            case "scheduled", "starting", "running" -> {
                if (supervisorAlive) {
                    state = s.equals("scheduled") ? DetachedStatus.State.SCHEDULED
                            : s.equals("starting") ? DetachedStatus.State.STARTING : DetachedStatus.State.RUNNING;
                } else {
                    state = DetachedStatus.State.LOST;
                    reason = "supervisor " + supervisor + " is gone without recording the end"
                            + (s.equals("scheduled") ? " (it waited to start the job)" : "");
                    ended = Instant.ofEpochMilli(modified(dir, "status"));
                }
            }
            default -> {
                if (DetachedSupervisors.alive((int) num(job, "creator_pid", 0), num(job, "creator_start", -1))) {
                    state = DetachedStatus.State.STARTING;
                } else {
                    state = DetachedStatus.State.LOST;
                    reason = "its start never finished (the starting process " + job.getProperty("creator_pid",
                            "(unknown: no job file)") + " is gone)";
                    ended = started;
                }
            }
        }
        boolean isEnd = state == DetachedStatus.State.ENDED;
        boolean exited = st.getProperty("exit_kind", "").equals("exited");
        int exitStatus = (int) num(st, "exit_status", 0);
        Usage usage = isEnd ? new Usage(num(st, "cpu_user_us", -1), num(st, "cpu_system_us", -1),
                num(st, "cpu_throttled_us", -1), num(st, "memory_peak", -1), num(st, "pids_peak", -1), false,
                Math.max(0, num(st, "oom_kills", 0)), num(st, "io_read_bytes", -1), num(st, "io_write_bytes", -1))
                : Usage.NONE;
        return new DetachedStatus(id, job.getProperty("name", ""), command, state, started, ended, reason,
                isEnd && exited ? exitStatus : -1, isEnd && !exited && st.containsKey("exit_kind") ? exitStatus : 0,
                usage, num(st, "stdout_bytes", -1), num(st, "stderr_bytes", -1), num(st, "log_cut", 0) != 0,
                (int) num(st, "log_errno", 0), job.getProperty("runtime", "host"), job.getProperty("limits", ""),
                timeout > 0 ? Duration.ofMillis(timeout) : null, supervisor,
                startAt > 0 ? Instant.ofEpochMilli(startAt) : null);
    }

    /** The status file's raw {@code state} ("" when none yet). */
    static String rawState(Path dir) throws IOException {
        return DetachedStore.read(dir, "status").getProperty("state", "");
    }

    /** When {@code dir/name} (or dir, for "") was last changed, in ms; 0 when gone. */
    private static long modified(Path dir, String name) {
        try {
            return Files.getLastModifiedTime(name.isEmpty() ? dir : dir.resolve(name), LinkOption.NOFOLLOW_LINKS)
                    .toMillis();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            return 0;
        }
    }

    static long num(Properties p, String key, long otherwise) {
        @Nullable String v = p.getProperty(key);
        if (v == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
