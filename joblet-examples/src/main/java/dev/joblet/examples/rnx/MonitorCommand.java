package dev.joblet.examples.rnx;

import dev.joblet.DetachedJob;
import dev.joblet.DetachedStatus;
import dev.joblet.Joblet;
import dev.joblet.JobletConfig;
import dev.joblet.Usage;
import dev.joblet.UsageSample;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnx monitor status|top|watch}: the host (CPU, memory, disks, network, cgroups) and the running detached
 * jobs with their live usage ({@link DetachedJob#sample()}), once, as a refreshing view, or as a stream of samples.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class,
        description = "Shows the host and the running detached jobs' usage: once (status), as a top-like view (top), or "
                + "as a stream of samples (watch).",
        subcommands = {MonitorCommand.StatusCmd.class, MonitorCommand.TopCmd.class, MonitorCommand.WatchCmd.class,
            HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  rnx monitor status", "  rnx monitor top --sort=memory --interval=2s",
            "  rnx monitor watch --json --count=10"})
final class MonitorCommand implements Callable<Integer> {
    @Spec
    @SuppressWarnings("NullAway.Init")
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Rnx.EXIT_USAGE;
    }

    /** What the sampling commands share: {@code --interval} and {@code --count}, checked before anything is read. */
    abstract static class Sampling extends DetachedCommands.Base {
        @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
                description = "Time between samples (default: ${DEFAULT-VALUE}).")
        String interval = "1s";

        @Option(names = "--count", paramLabel = "N", defaultValue = "0",
                description = "Stops after N frames (default: until interrupted).")
        long count;

        Sampling(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        Duration interval() {
            Duration d;
            try {
                d = OptionValues.duration(interval);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--interval (" + interval + "): " + e.getMessage(), e);
            }
            if (d.toMillis() < 100 || d.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("--interval (" + interval + ") must be from 100ms to 1h");
            }
            if (count < 0) {
                throw new IllegalArgumentException("--count (" + count + ") must be 0 (no end) or more");
            }
            return d;
        }
    }

    /** One running job's row: its usage now and its CPU share since the previous sample. */
    record JobRow(String id, String name, double cpuPercent, long cpuMicros, long memoryCurrentBytes,
            long memoryPeakBytes, long pidsCurrent, Instant at) {
        String json() {
            return "{\"id\":" + JsonResult.string(id) + ",\"name\":" + JsonResult.string(name) + ",\"timeMs\":"
                    + at.toEpochMilli() + ",\"cpuPercent\":" + String.format(Locale.ROOT, "%.1f", cpuPercent)
                    + ",\"cpuMicros\":" + cpuMicros + ",\"memoryCurrentBytes\":" + memoryCurrentBytes
                    + ",\"memoryPeakBytes\":" + memoryPeakBytes + ",\"pidsCurrent\":" + pidsCurrent + "}";
        }

        String text() {
            return String.format(Locale.ROOT, "%-8s  %-24s  %6s  %10s  %10s  %10s  %5s", id.substring(0, Math.min(8, id.length())),
                    name.length() > 24 ? name.substring(0, 23) + "…" : name,
                    cpuPercent < 0 ? "-" : String.format(Locale.ROOT, "%.1f", cpuPercent),
                    cpuMicros < 0 ? "-" : String.valueOf(cpuMicros / 1000), HostFacts.bytes(memoryCurrentBytes),
                    HostFacts.bytes(memoryPeakBytes), pidsCurrent < 0 ? "-" : String.valueOf(pidsCurrent));
        }

        static final String HEADER = String.format(Locale.ROOT, "%-8s  %-24s  %6s  %10s  %10s  %10s  %5s", "ID",
                "NAME/COMMAND", "CPU%", "CPU_MS", "MEM", "MEM_PEAK", "PIDS");
    }

    /**
     * Samples the running detached jobs; remembers each one's previous CPU time so the next sample gives its share.
     * Not thread-safe: one per command run.
     */
    static final class JobSampler {
        private final Map<String, long[]> previous = new HashMap<>(); // id -> {cpu micros, nanoTime}

        List<JobRow> sample(Joblet joblet) throws IOException {
            List<JobRow> rows = new ArrayList<>();
            Map<String, long[]> seen = new HashMap<>();
            for (DetachedJob j : joblet.jobs()) {
                UsageSample s;
                DetachedStatus st;
                try {
                    st = j.status();
                    if (st.state() != DetachedStatus.State.RUNNING) {
                        continue;
                    }
                    s = j.sample();
                } catch (IOException e) {
                    continue; // deleted while we looked: not running
                }
                if (!s.live()) {
                    continue;
                }
                Usage u = s.usage();
                long cpu = u.cpuUserMicros() < 0 || u.cpuSystemMicros() < 0 ? -1 : u.cpuUserMicros() + u.cpuSystemMicros();
                long now = System.nanoTime();
                String id = j.id().toString();
                long[] before = previous.get(id);
                double pct = -1;
                if (before != null && cpu >= 0 && before[0] >= 0 && now > before[1]) {
                    pct = 100.0 * (cpu - before[0]) * 1000 / (now - before[1]);
                }
                seen.put(id, new long[] {cpu, now});
                String name = st.name().isEmpty() ? String.join(" ", st.command()) : st.name();
                rows.add(new JobRow(id, name, pct, cpu, s.memoryCurrentBytes(), u.memoryPeakBytes(), s.pidsCurrent(), s.at()));
            }
            previous.clear();
            previous.putAll(seen);
            return rows;
        }
    }

    /** The host's figures over one interval; CPU usage needs two readings of /proc/stat. */
    record Host(HostFacts.Cpu cpu, HostFacts.Memory memory) {
        String json() {
            return "{\"cpus\":" + cpu.cpus() + ",\"load1\":" + num(cpu.load1()) + ",\"load5\":" + num(cpu.load5())
                    + ",\"load15\":" + num(cpu.load15()) + ",\"cpuPercent\":" + num(cpu.usagePercent())
                    + ",\"memoryTotalBytes\":" + memory.totalBytes() + ",\"memoryAvailableBytes\":"
                    + memory.availableBytes() + "}";
        }

        String text() {
            return String.format(Locale.ROOT, "cpus %d  load %s %s %s  cpu %s%%  memory %s of %s available", cpu.cpus(),
                    num(cpu.load1()), num(cpu.load5()), num(cpu.load15()), num(cpu.usagePercent()),
                    HostFacts.bytes(memory.availableBytes()), HostFacts.bytes(memory.totalBytes()));
        }
    }

    static String num(double v) {
        return v < 0 ? "-1" : String.format(Locale.ROOT, "%.2f", v);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows the host (CPU count, load and usage;"
            + " memory; the disks of the state and volume roots; network interfaces; cgroup layout, this process's"
            + " cgroup and its controllers) and the running detached jobs with their usage, sampled over --interval.")
    static final class StatusCmd extends Sampling {
        StatusCmd(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException, InterruptedException {
            Duration every = interval();
            Joblet j = joblet.get();
            JobSampler sampler = new JobSampler();
            HostFacts.CpuTimes t0 = HostFacts.CpuTimes.read();
            sampler.sample(j);
            Thread.sleep(every.toMillis());
            List<JobRow> jobs = sampler.sample(j);
            Host host = new Host(HostFacts.Cpu.read(t0, HostFacts.CpuTimes.read()), HostFacts.Memory.read());
            JobletConfig c = j.config();
            List<HostFacts.Disk> disks = List.of(HostFacts.Disk.of("state", c.stateRoot()),
                    HostFacts.Disk.of("volumes", c.volumesRoot()), HostFacts.Disk.of("runtimes", c.runtimesRoot()));
            List<HostFacts.Interface> nets = HostFacts.Interface.read();
            HostFacts.Cgroups cg = HostFacts.Cgroups.read();
            if (json) {
                out.println("{\"host\":" + host.json() + ",\"disks\":[" + disks.stream().map(d -> "{\"role\":"
                        + JsonResult.string(d.role()) + ",\"path\":" + JsonResult.string(d.path().toString())
                        + ",\"filesystem\":" + JsonResult.string(d.filesystem()) + ",\"totalBytes\":" + d.totalBytes()
                        + ",\"usableBytes\":" + d.usableBytes() + "}").collect(Collectors.joining(","))
                        + "],\"interfaces\":[" + nets.stream().map(n -> "{\"name\":" + JsonResult.string(n.name())
                        + ",\"addresses\":[" + n.addresses().stream().map(JsonResult::string).collect(Collectors.joining(","))
                        + "],\"rxBytes\":" + n.rxBytes() + ",\"txBytes\":" + n.txBytes() + "}").collect(Collectors.joining(","))
                        + "],\"cgroups\":{\"layout\":" + JsonResult.string(cg.layout()) + ",\"own\":"
                        + JsonResult.string(cg.own()) + ",\"controllers\":[" + cg.controllers().stream()
                        .map(JsonResult::string).collect(Collectors.joining(",")) + "]},\"jobs\":["
                        + jobs.stream().map(JobRow::json).collect(Collectors.joining(",")) + "]}");
                return 0;
            }
            out.println("host:     " + host.text());
            for (HostFacts.Disk d : disks) {
                out.printf(Locale.ROOT, "disk:     %-8s %s (%s) %s free of %s%n", d.role(), d.path(), d.filesystem(),
                        HostFacts.bytes(d.usableBytes()), HostFacts.bytes(d.totalBytes()));
            }
            for (HostFacts.Interface n : nets) {
                out.printf(Locale.ROOT, "network:  %-8s %s rx %s tx %s%n", n.name(), HostFacts.orDash(String.join(" ",
                        n.addresses())), HostFacts.bytes(n.rxBytes()), HostFacts.bytes(n.txBytes()));
            }
            out.println("cgroups:  " + cg.layout() + ", own cgroup " + cg.own() + ", controllers "
                    + HostFacts.orDash(String.join(" ", cg.controllers())));
            out.println("jobs:     " + jobs.size() + " running");
            if (!jobs.isEmpty()) {
                out.println(JobRow.HEADER);
                jobs.forEach(r -> out.println(r.text()));
            }
            return 0;
        }
    }

    /** How {@code top} orders its rows. */
    enum Sort { cpu, memory }

    @Command(name = "top", mixinStandardHelpOptions = true, description = "A refreshing view of the running detached"
            + " jobs, busiest first. In a terminal it redraws the screen; otherwise (and with --json, one JSON document"
            + " per refresh) it prints one frame per interval.")
    static final class TopCmd extends Sampling {
        @Option(names = "--sort", paramLabel = "KEY", defaultValue = "cpu",
                description = "cpu (CPU share since the last frame) or memory (memory in use); default: ${DEFAULT-VALUE}.")
        Sort sort = Sort.cpu;

        TopCmd(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException, InterruptedException {
            Duration every = interval();
            Joblet j = joblet.get();
            boolean redraw = !json && out == System.out && Terminal.isTerminal(1);
            Comparator<JobRow> order = sort == Sort.cpu ? Comparator.comparingDouble(JobRow::cpuPercent).reversed()
                    : Comparator.comparingLong(JobRow::memoryCurrentBytes).reversed();
            JobSampler sampler = new JobSampler();
            HostFacts.CpuTimes t = HostFacts.CpuTimes.read();
            sampler.sample(j);
            for (long frame = 1; count == 0 || frame <= count; frame++) {
                Thread.sleep(every.toMillis());
                List<JobRow> rows = new ArrayList<>(sampler.sample(j));
                rows.sort(order.thenComparing(JobRow::id));
                HostFacts.CpuTimes now = HostFacts.CpuTimes.read();
                Host host = new Host(HostFacts.Cpu.read(t, now), HostFacts.Memory.read());
                t = now;
                if (json) {
                    out.println("{\"timeMs\":" + Instant.now().toEpochMilli() + ",\"sort\":\"" + sort + "\",\"host\":"
                            + host.json() + ",\"jobs\":[" + rows.stream().map(JobRow::json).collect(Collectors.joining(","))
                            + "]}");
                } else {
                    StringBuilder b = new StringBuilder();
                    if (redraw) {
                        b.append("\033[H\033[2J");
                    }
                    b.append("rnx monitor top  ").append(DetachedCommands.TIME.format(Instant.now())).append("  ")
                            .append(rows.size()).append(" running, by ").append(sort).append('\n')
                            .append(host.text()).append('\n').append(JobRow.HEADER).append('\n');
                    rows.forEach(r -> b.append(r.text()).append('\n'));
                    out.print(redraw ? b : b.append('\n'));
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true, description = "A stream of samples, one line each: the"
            + " host's, then each running detached job's, every interval (JSON lines with --json).")
    static final class WatchCmd extends Sampling {
        WatchCmd(PrintStream out, PrintStream err, Supplier<Joblet> joblet) {
            super(out, err, joblet);
        }

        @Override
        int execute() throws IOException, InterruptedException {
            Duration every = interval();
            Joblet j = joblet.get();
            JobSampler sampler = new JobSampler();
            HostFacts.CpuTimes t = HostFacts.CpuTimes.read();
            sampler.sample(j);
            for (long n = 1; count == 0 || n <= count; n++) {
                Thread.sleep(every.toMillis());
                List<JobRow> rows = sampler.sample(j);
                HostFacts.CpuTimes now = HostFacts.CpuTimes.read();
                Host host = new Host(HostFacts.Cpu.read(t, now), HostFacts.Memory.read());
                t = now;
                String time = DetachedCommands.TIME.format(Instant.now());
                if (json) {
                    out.println("{\"kind\":\"host\",\"timeMs\":" + Instant.now().toEpochMilli() + ",\"host\":" + host.json() + "}");
                    rows.forEach(r -> out.println("{\"kind\":\"job\",\"job\":" + r.json() + "}"));
                } else {
                    out.println(time + "  host  " + host.text());
                    rows.forEach(r -> out.println(time + "  job   " + r.text()));
                }
                out.flush();
            }
            return 0;
        }
    }
}
