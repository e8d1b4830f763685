package dev.joblet.examples.rnx;

import dev.joblet.Job;
import dev.joblet.JobResult;
import dev.joblet.JobletException;
import dev.joblet.Joblet;
import dev.joblet.Network;
import dev.joblet.PrivateNetwork;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rnx network run NAME --cidr=CIDR [--allow-egress=CIDR[:PORTS]]... [--service=HOST=COMMAND]...
 * --job=HOST=COMMAND...}: creates the network, starts the services and then the jobs on it in order (each
 * {@code sh -c COMMAND} with host name HOST), prints their output prefixed by their host names, waits until every
 * job has ended, then stops the services and removes the network. Every job's output is printed to its end, and a
 * service's up to its stop. Exits with the last job's status.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Rnx.Version.class, sortOptions = false,
        description = {"Creates private network NAME, runs services and jobs on it, and removes it when every job has "
                + "ended (the services, e.g. servers, are then stopped). Jobs and services reach each other by host "
                + "name; each one's output is printed to its end.",
            "Exits with the last job's status."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"N:the last job's exit code", "128+N:the last job was killed by signal N",
            "2:bad usage", "125:the network or a job could not start"},
        footerHeading = "%nExample:%n",
        footer = {"  rnx network run demo --cidr=10.88.0.0/24 \\",
            "      --service='web=python3 -m http.server 8000' \\",
            "      --job='client=sleep 1; python3 -c \"import urllib.request as u; print(u.urlopen(\\\"http://web:8000\\\").status)\"'"})
final class NetworkRunCommand implements Callable<Integer> {
    private static final Pattern JOB = Pattern.compile("([a-z0-9][a-z0-9-]{0,62})=(.+)", Pattern.DOTALL);

    @Spec
    @SuppressWarnings("NullAway.Init")
    CommandSpec spec;

    private final java.util.function.Supplier<Joblet> joblet;

    NetworkRunCommand(java.util.function.Supplier<Joblet> joblet) {
        this.joblet = joblet;
    }

    @Parameters(index = "0", paramLabel = "NAME", description = "The network's name.")
    @SuppressWarnings("NullAway.Init")
    String name;

    @Option(names = "--cidr", required = true, paramLabel = "CIDR", description = "Its IPv4 range, /8 to /29, "
            + "e.g. 10.88.0.0/24; the first address is the host's (the gateway), must not overlap the host's routes.")
    @SuppressWarnings("NullAway.Init")
    String cidr;

    @Option(names = "--allow-egress", paramLabel = "CIDR[:PORTS]", description = "Lets the jobs reach CIDR (NAT "
            + "through the host), on PORTS (comma-separated) or on every port. Repeatable. Default: no egress.")
    List<String> egress = new ArrayList<>();

    @Option(names = "--service", paramLabel = "HOST=COMMAND", description = "A service (e.g. a server): its host "
            + "name and a shell command (run with sh -c), started before the jobs and stopped (SIGTERM, SIGKILL after "
            + "2 s) once every job has ended. Repeatable; started in order.")
    List<String> services = new ArrayList<>();

    @Option(names = "--job", required = true, paramLabel = "HOST=COMMAND", description = "A job: its host name and "
            + "a shell command (run with sh -c). Repeatable; started in order, after the services; rnx waits for "
            + "every one to end.")
    List<String> jobs = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> serviceCommands = parseJobs("--service", services, new LinkedHashMap<>());
        Map<String, String> commands = parseJobs("--job", jobs, new LinkedHashMap<>(serviceCommands));
        commands.keySet().removeAll(serviceCommands.keySet());
        PrivateNetwork.Builder b;
        try {
            b = Network.builder(name, cidr);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            throw new ParameterException(spec.commandLine(), (message.startsWith("network name") ? "NAME" : "--cidr") + ": "
                    + message, e, null, cidr);
        }
        for (String e : egress) {
            parse("--allow-egress", e, v -> {
                String[] parts = v.split(":", 2);
                int[] ports = parts.length == 1 ? new int[0]
                        : java.util.Arrays.stream(parts[1].split(",")).mapToInt(NetworkRunCommand::port).toArray();
                return b.allowEgress(parts[0], ports);
            });
        }
        List<Job> started = new ArrayList<>();
        List<Thread> printers = new ArrayList<>();
        // While this runs, a JVM shutdown (Ctrl-C, SIGTERM) interrupts it and waits for its clean-up below.
        InterruptOnShutdown guard = InterruptOnShutdown.of(Thread.currentThread());
        try {
            try (PrivateNetwork net = b.create(joblet.get())) {
                err.println("rnx: network " + net.name() + " " + net.cidr() + " (gateway " + net.gateway() + ")");
                try {
                    for (Map<String, String> group : List.of(serviceCommands, commands)) {
                        for (Map.Entry<String, String> j : group.entrySet()) {
                            Job job = joblet.get().start(Joblet.builder().network(net).hostname(j.getKey())
                                    .command("sh", "-c", j.getValue()).build());
                            started.add(job);
                            printers.add(print(j.getKey(), job.stdout(), out));
                            printers.add(print(j.getKey(), job.stderr(), err));
                        }
                    }
                    List<Job> serviceJobs = started.subList(0, serviceCommands.size());
                    JobResult last = null;
                    for (Job j : started.subList(serviceCommands.size(), started.size())) {
                        last = j.await(); // every job to its end: its output is complete
                    }
                    for (Job s : serviceJobs) {
                        s.stop(Duration.ofSeconds(2));
                    }
                    for (Job s : serviceJobs) {
                        s.await();
                    }
                    for (Thread t : printers) {
                        t.join(); // each ends at its stream's end: everything the job wrote is printed
                    }
                    return java.util.Objects.requireNonNull(last, "a job (--job is required)").shellCode();
                } finally {
                    started.forEach(Job::close);
                }
            } catch (JobletException e) {
                err.println("rnx: " + e.getMessage());
                return Rnx.EXIT_START_FAILED;
            } catch (InterruptedException e) { // Ctrl-C or SIGTERM: the guard's hook interrupted this thread
                err.println("rnx: interrupted; stopped the network's jobs and removed the network");
                return 130;
            } finally {
                // The network's bridge, rules and namespaces go with the instance: before the guard lets the JVM exit.
                joblet.get().close();
            }
        } finally {
            guard.close();
        }
    }

    /** Adds {@code values} of {@code option} to {@code out}; a host name already there is a usage error. */
    private Map<String, String> parseJobs(String option, List<String> values, Map<String, String> out) {
        for (String j : values) {
            var m = JOB.matcher(j);
            if (!m.matches()) {
                throw new ParameterException(spec.commandLine(), option + ": '" + j + "' is not HOST=COMMAND, e.g. web=python3 -m http.server");
            }
            if (out.put(m.group(1), m.group(2)) != null) {
                throw new ParameterException(spec.commandLine(), option + ": host name " + m.group(1) + " is given twice");
            }
        }
        return out;
    }

    private static int port(String text) {
        try {
            int p = Integer.parseInt(text.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("'" + text + "' is not a port (1 to 65535)");
    }

    private static Thread print(String host, dev.joblet.LogStream stream, PrintWriter to) {
        java.io.InputStream in = stream.open(); // opened at once: lossless from the job's first byte
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (to) {
                        to.println(host + " | " + line);
                    }
                }
            } catch (IOException e) {
                synchronized (to) {
                    to.println(host + " | (output lost: " + e.getMessage() + ")");
                }
            }
        }, "rnx-output-" + host);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private <T> T parse(String option, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage(), e, null, value);
        }
    }
}
