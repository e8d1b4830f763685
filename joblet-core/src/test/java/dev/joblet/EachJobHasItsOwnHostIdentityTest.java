package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Concurrent jobs run as different host uids and gids (from the reserved range), so that one job exhausting a per-user
 * kernel pool does not fail the next, and no host process of another job's id, nor of nobody, can read or trace a
 * job. Each defence is also shown failing when it is relaxed: jobs pinned to the same ids share all of it.
 */
@EnabledIfSystemProperty(named = "user.name", matches = "root", disabledReason = "runs real jobs as root: needs root")
class EachJobHasItsOwnHostIdentityTest {
    private static final int PINNED = 61_999; // an unprivileged id no account on a Debian host uses

    /** Holds the whole of one per-user pool, then sleeps; prints "held N" once it has it. */
    private static final String EXHAUST_INOTIFY = "import ctypes, os, sys, time\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            + "n = 0\nwhile libc.inotify_init() >= 0:\n    n += 1\nprint('held', n, os.strerror(ctypes.get_errno()), flush=True)\n"
            + "time.sleep(60)\n";
    /** POSIX message queues until RLIMIT_MSGQUEUE (bytes per user) refuses one. */
    private static final String EXHAUST_MQUEUE = "import ctypes, os, sys, time\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            + "attr = (ctypes.c_long * 8)(0, 10, 8192, 0)\nn = 0\n"
            + "while libc.mq_open(('/q%d' % n).encode(), os.O_CREAT | os.O_RDWR, 0o600, attr) >= 0:\n    n += 1\n"
            + "print('held', n, os.strerror(ctypes.get_errno()), flush=True)\ntime.sleep(60)\n";
    private static final String ONE_INOTIFY = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            + "fd = libc.inotify_init()\nprint('inotify', 'ok' if fd >= 0 else os.strerror(ctypes.get_errno()))\n";
    private static final String ONE_MQUEUE = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            + "attr = (ctypes.c_long * 8)(0, 10, 8192, 0)\nfd = libc.mq_open(b'/mine', os.O_CREAT | os.O_RDWR, 0o600, attr)\n"
            + "print('mqueue', 'ok' if fd >= 0 else os.strerror(ctypes.get_errno()))\n";

    @Test
    void twoConcurrentJobsRunAsDifferentHostIdsOfTheRangeAndSeeThemselvesAsJob() throws Exception {
        try (Job a = sleeper(b -> b); Job b = sleeper(x -> x)) {
            int[] ua = hostIds(a), ub = hostIds(b);
            assertThat(ua[0]).as("host uid of job a").isNotEqualTo(ub[0]).isNotEqualTo(Security.NOBODY).isNotZero();
            assertThat(ua[1]).as("host gid of job a").isNotEqualTo(ub[1]).isNotEqualTo(Security.NOBODY).isNotZero();
            assertThat(Joblet.system().host().identities().holds(ua[0])).isTrue();
            assertThat(ua[0] - HostIdentities.DEFAULT_FIRST).isBetween(0, HostIdentities.DEFAULT_COUNT - 1);
            assertThat(a.hostUid()).isEqualTo(ua[0]);
        }
        try (Job job = Joblet.builder().command("sh", "-c", "id; id -un; ls -ln -d /work | cut -d' ' -f3,4").start()) {
            assertThat(job.await().isSuccess()).as(job.stderr().text()).isTrue();
            int uid = job.hostUid();
            assertThat(job.stdout().text()).isEqualTo("uid=" + uid + "(job) gid=" + uid + "(job) groups=" + uid + "(job)\n"
                    + "job\n" + uid + " " + uid + "\n");
        }
    }

    @Test
    void theIdIsHeldUntilNothingOfTheJobRemainsThenReleased() throws Exception {
        int uid;
        try (Job job = Joblet.builder().command("true").start()) {
            uid = job.hostUid();
            assertThat(Joblet.system().host().identities().holds(uid)).isTrue();
            job.await();
        }
        // close() returned: the supervisor is reaped and the cgroup removed, and the id is free again.
        assertThat(Joblet.system().host().identities().holds(uid)).isFalse();
        assertThat(Path.of("/run/joblet/ids/passwd-" + uid)).doesNotExist();
    }

    @Test
    void oneJobExhaustingInotifyInstancesDoesNotFailTheNextConcurrentJob() throws Exception {
        assertThat(pool(EXHAUST_INOTIFY, ONE_INOTIFY, b -> b)).isEqualTo("inotify ok\n");
        // Relaxed: both pinned to one uid, they share the pool and the second job is refused.
        assertThat(pool(EXHAUST_INOTIFY, ONE_INOTIFY, b -> b.user(PINNED, PINNED))).startsWith("inotify Too many open files");
    }

    @Test
    void oneJobExhaustingMqueueBytesDoesNotFailTheNextConcurrentJob() throws Exception {
        assertThat(pool(EXHAUST_MQUEUE, ONE_MQUEUE, b -> b)).isEqualTo("mqueue ok\n");
        assertThat(pool(EXHAUST_MQUEUE, ONE_MQUEUE, b -> b.user(PINNED, PINNED))).startsWith("mqueue Too many open files");
    }

    @Test
    void aHostProcessOfAnotherJobsIdOrOfNobodyCannotReadOrTraceAJob() throws Exception {
        try (Job victim = sleeper(b -> b.env("SECRET", "s3cr3t-value")); Job other = sleeper(b -> b)) {
            int[] o = hostIds(other);
            assertThat(asHost(o[0], readAndTrace(victim.pid()))).isEqualTo("environ EACCES\nptrace EPERM\n");
            assertThat(asHost(Security.NOBODY, readAndTrace(victim.pid()))).isEqualTo("environ EACCES\nptrace EPERM\n");
        }
        // Relaxed: pinned to nobody, any host process of nobody (or a setuid-nobody file) reads its secrets.
        try (Job victim = sleeper(b -> b.user(Security.NOBODY, Security.NOBODY).env("SECRET", "s3cr3t-value"))) {
            assertThat(asHost(Security.NOBODY, readAndTrace(victim.pid()))).isEqualTo("environ s3cr3t-value\nptrace ok\n");
        }
    }

    @Test
    void aSetuidRootFileInAWritableVolumeDoesNotElevate() throws Exception {
        Path vol = Files.createTempDirectory("joblet-suid");
        Path id = vol.resolve("id");
        try {
            Files.setPosixFilePermissions(vol, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.copy(Path.of("/usr/bin/id"), id);
            Files.setAttribute(id, "unix:mode", 04755); // setuid root
            // no_new_privs off, so that only the volume's nosuid stands between the file and root.
            try (Job job = Joblet.builder().volume(new Volume(vol, "/data", true)).noNewPrivileges(false)
                    .command("sh", "-c", "/data/id -u; grep -o nosuid /proc/self/mountinfo | head -1; "
                            + "grep ' /data ' /proc/self/mountinfo | grep -o 'nosuid,nodev' ").start()) {
                assertThat(job.await().isSuccess()).as(job.stderr().text()).isTrue();
                assertThat(job.stdout().text()).isEqualTo(job.hostUid() + "\nnosuid\nnosuid,nodev\n");
            }
            // The file itself is live: run outside a nosuid mount by an unprivileged host user, it makes root.
            Process p = new ProcessBuilder("setpriv", "--reuid=" + Security.NOBODY, "--regid=" + Security.NOBODY,
                    "--clear-groups", id.toString(), "-u").redirectErrorStream(true).start();
            assertThat(new String(p.getInputStream().readAllBytes()).strip()).isEqualTo("0");
        } finally {
            Files.deleteIfExists(id);
            Files.delete(vol);
        }
    }

    @Test
    void theEscapeSuitesIdentityAttemptsEscapeWhenJobsArePinnedToNobody() throws Exception {
        List<EscapeAttempts.Attempt> attempts = new ArrayList<>();
        EscapeAttemptsIdentity.addTo(attempts);
        assertThat(attempts).hasSize(2);
        for (EscapeAttempts.Attempt a : attempts) {
            for (boolean pinned : new boolean[] {false, true}) {
                JobSpec.Builder b = a.spec().apply(Joblet.builder().command("python3", "-c", EscapeAttempts.PRELUDE + a.python()));
                if (pinned) {
                    b.user(Security.NOBODY, Security.NOBODY);
                }
                try (Job job = b.start()) {
                    JobResult r = job.await();
                    String out = job.stdout().text() + job.stderr().text();
                    assertThat(out).as(a.name() + ", pinned to nobody: " + pinned).contains(pinned ? "ESCAPED" : "blocked");
                    assertThat(r.exitCode()).as(a.name() + ": " + out).hasValue(pinned ? 1 : 0);
                }
            }
        }
    }

    /** What the second job printed while the first held the whole of a per-user pool. */
    private static String pool(String exhaust, String probe, UnaryOperator<JobSpec.Builder> both) throws Exception {
        try (Job hog = both.apply(Joblet.builder().command("python3", "-c", exhaust)).start()) {
            String held = awaitLine(hog);
            assertThat(held).as("the hog reached the limit").matches("held [1-9][0-9]* Too many open files\n");
            try (Job next = both.apply(Joblet.builder().command("python3", "-c", probe)).start()) {
                next.await();
                return next.stdout().text() + next.stderr().text();
            }
        }
    }

    private static String awaitLine(Job job) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end && !job.stdout().text().contains("\n") && job.isAlive()) {
            Thread.sleep(20);
        }
        return job.stdout().text() + job.stderr().text();
    }

    private static Job sleeper(UnaryOperator<JobSpec.Builder> spec) throws JobletException {
        return spec.apply(Joblet.builder().command("sleep", "60").timeout(Duration.ofSeconds(90))).start();
    }

    /** The job's real uid and gid as the host sees them in /proc/<pid>/status. */
    private static int[] hostIds(Job job) throws IOException {
        int[] ids = new int[2];
        for (String line : Files.readAllLines(Path.of("/proc/" + job.pid() + "/status"))) {
            if (line.startsWith("Uid:")) {
                ids[0] = Integer.parseInt(line.split("\\s+")[1]);
            } else if (line.startsWith("Gid:")) {
                ids[1] = Integer.parseInt(line.split("\\s+")[1]);
            }
        }
        return ids;
    }

    /** Reads the job's environment and tries to attach to it with ptrace, as a host process. */
    private static String readAndTrace(int pid) {
        return "import ctypes, errno, os, re\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                + "try:\n    m = re.search(rb'SECRET=([^\\0]*)', open('/proc/" + pid + "/environ', 'rb').read())\n"
                + "    print('environ', m.group(1).decode() if m else 'no secret')\n"
                + "except OSError as e:\n    print('environ', errno.errorcode[e.errno])\n"
                + "if libc.ptrace(16, " + pid + ", 0, 0) == 0:\n    print('ptrace ok'); libc.ptrace(17, " + pid + ", 0, 0)\n"
                + "else:\n    print('ptrace', errno.errorcode[ctypes.get_errno()])\n";
    }

    private static String asHost(int uid, String python) throws Exception {
        Process p = new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "/usr/bin/python3", "-c", python)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
