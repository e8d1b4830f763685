package dev.joblet.cgroups.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ProcessTable} over a procfs directory; kills with {@link ProcessHandle}. Immutable and thread-safe. */
public final class ProcProcessTable implements ProcessTable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcProcessTable.class);
    private static final Pattern NS_LINK = Pattern.compile("pid:\\[(\\d+)]");

    private final Path procRoot;

    public ProcProcessTable(Path procRoot) {
        this.procRoot = procRoot;
    }

    public static ProcProcessTable system() {
        return new ProcProcessTable(Path.of("/proc"));
    }

    @Override
    public long selfPid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public OptionalLong startTime(long pid) {
        String stat;
        try {
            stat = new String(Files.readAllBytes(procRoot.resolve(Long.toString(pid)).resolve("stat")),
                    StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        return parseStartTime(stat);
    }

    /** Field 22 of a {@code /proc/<pid>/stat} line; the command (field 2) may hold spaces and parentheses. */
    public static OptionalLong parseStartTime(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        // rest[0] is field 3 (state); field 22 is rest[19].
        if (rest.length < 20) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(rest[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public long pidNamespace() {
        try {
            String link = Files.readSymbolicLink(procRoot.resolve("self/ns/pid")).toString();
            Matcher m = NS_LINK.matcher(link);
            return m.matches() ? Long.parseLong(m.group(1)) : 0;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot read the pid namespace of this process: {}", e.toString());
            return 0;
        }
    }

    @Override
    public boolean kill(long pid) {
        if (pid == selfPid()) {
            throw new IllegalStateException("refusing to kill this JVM (pid " + pid + ")");
        }
        return ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
    }
}
