package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.LaunchException;
import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.LaunchedProcess;
import dev.joblet.namespaces.OutputHandler;
import dev.joblet.namespaces.PreparedLaunch;
import dev.joblet.namespaces.Stage;
import dev.joblet.namespaces.libc.LibC;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A helper spawned ahead of its job: it has joined its cgroups (and network namespace) and waits for the config on
 * its control pipe. The job's stdin is {@code /dev/null}; its stdout and stderr pipes are made now. Thread-safe.
 */
public final class WarmHelper implements PreparedLaunch {
    private static final Logger log = LoggerFactory.getLogger(WarmHelper.class);

    private final int helperPid;
    private final List<Path> procsFiles;
    private final boolean newNetwork;
    /** With a root built ahead ("zygote"): the encoded template it was built for; else null. */
    private final byte @Nullable [] templateKey;
    /** With the filter installed before the wait: the only hostname a launch may ask for; else null. */
    private final @Nullable String presetHostname;
    /** Guarded by this: the JVM's ends {ctl, status, stdout, stderr} and the pidfd; null once handed over or closed. */
    private int[] fds;
    private int pidfd;

    private WarmHelper(int helperPid, int pidfd, int[] fds, List<Path> procsFiles, boolean newNetwork,
            byte @Nullable [] templateKey, @Nullable String presetHostname) {
        this.templateKey = templateKey;
        this.presetHostname = presetHostname;
        this.helperPid = helperPid;
        this.pidfd = pidfd;
        this.fds = fds;
        this.procsFiles = procsFiles;
        this.newNetwork = newNetwork;
    }

    /** Spawns a helper, sends it the warm message and waits until it is ready (this may take an RCU grace period). */
    public static WarmHelper prepare(HelperImage image, List<Path> procsFiles, boolean newNetwork) throws IOException {
        return prepare(image, procsFiles, newNetwork, null, false);
    }

    /**
     * As {@link #prepare(HelperImage, List, boolean)}; with a {@code template}, the helper also clones the job and
     * builds its root (mounts, pivot_root) now, and the job only waits for its hostname, workdir, argv and env.
     */
    public static WarmHelper prepare(HelperImage image, List<Path> procsFiles, boolean newNetwork,
            @Nullable LaunchRequest template, boolean earlySeccomp) throws IOException {
        List<Path> files = List.copyOf(procsFiles);
        byte @Nullable [] key = null;
        if (template != null) {
            if (!template.cgroupProcsFiles().isEmpty() || template.cgroup2Dir() != null || template.stdin() != null
                    || template.tty()) {
                throw new IllegalArgumentException("template must have no cgroup files, no stdin bytes and no tty");
            }
            key = Protocol.encode(Protocol.template(template));
            // The template's hostname is set before the wait (template() keeps it; the key above leaves it out).
            byte[] config = Protocol.encode(Protocol.template(template).toBuilder().hostname(template.hostname()).build(),
                    Protocol.CFG_DEFER_EXEC | (earlySeccomp ? Protocol.CFG_EARLY_SECCOMP : 0));
            byte[] both = Protocol.encodeWarm(files, newNetwork);
            byte[] joined = java.util.Arrays.copyOf(both, both.length + config.length);
            System.arraycopy(config, 0, joined, both.length, config.length);
            return prepare(image, files, newNetwork, joined, key, earlySeccomp ? template.hostname() : null);
        }
        return prepare(image, files, newNetwork, Protocol.encodeWarm(files, newNetwork), null, null);
    }

    private static WarmHelper prepare(HelperImage image, List<Path> files, boolean newNetwork, byte[] messages,
            byte @Nullable [] key, @Nullable String presetHostname) throws IOException {
        LibC libc = Native.libc();
        int[] ctl = null, status = null, out = null, err = null;
        int devNull = -1;
        int helperPid;
        try {
            ctl = Fds.pipe();
            status = Fds.pipe();
            out = Fds.pipe();
            err = Fds.pipe();
            devNull = Fds.atLeast(libc.open("/dev/null", LibC.O_RDONLY | LibC.O_CLOEXEC, 0), 5);
            helperPid = HelperProcess.spawn(image, new int[] {devNull, out[1], err[1], ctl[0], status[1]});
        } catch (IOException | RuntimeException e) {
            HelperProcess.closeAll(ctl, status, out, err);
            Fds.closeQuietly(devNull);
            throw e;
        }
        libc.close(ctl[0]);
        libc.close(status[1]);
        libc.close(out[1]);
        libc.close(err[1]);
        Fds.closeQuietly(devNull);
        int[] ours = {ctl[1], status[0], out[0], err[0]};
        int pidfd = (int) libc.syscall(LibC.SYS_PIDFD_OPEN, helperPid, 0);
        if (pidfd < 0) {
            int e = Native.errno();
            Fds.closeQuietly(ctl[1]);
            HelperProcess.closeAll(ours);
            throw new LaunchException(Stage.SPAWN, e, "pidfd_open helper " + helperPid);
        }
        byte[] msg = new byte[Protocol.MESSAGE_SIZE];
        int got = 0;
        IOException failure = null;
        try {
            HelperProcess.writeFully(ctl[1], messages);
            got = HelperProcess.readFully(status[0], msg);
            if (key != null && got == msg.length && Protocol.u32(msg, 0) == Protocol.MSG_READY) {
                got = HelperProcess.readFully(status[0], msg); // the second READY: the child built the root
            }
        } catch (IOException e) {
            failure = e;
        }
        int type = got == msg.length ? Protocol.u32(msg, 0) : -1;
        if (type != Protocol.MSG_READY) {
            HelperProcess.closeAll(ours);
            HelperProcess.reap(pidfd);
            Fds.closeQuietly(pidfd);
            if (type == Protocol.MSG_ERROR) {
                Stage stage = Stage.of(Protocol.u32(msg, 4));
                int detail = Protocol.u32(msg, 12);
                String subject = stage == Stage.CLONE ? "unshare network namespace"
                        : detail >= 0 && detail < files.size() ? stage.operation() + " " + files.get(detail) : "warm helper";
                throw new LaunchException(stage, Protocol.u32(msg, 8), subject);
            }
            if (failure != null) {
                throw failure;
            }
            throw new LaunchException(Stage.PROTOCOL, 71 /* EPROTO */,
                    "warm helper " + helperPid + " ended without reporting (got " + got + " bytes)");
        }
        log.debug("warm helper {} ready in {} (new network namespace: {})", helperPid, files, newNetwork);
        return new WarmHelper(helperPid, pidfd, ours, files, newNetwork, key, presetHostname);
    }

    @Override
    public List<Path> cgroupProcsFiles() {
        return procsFiles;
    }

    @Override
    public boolean newNetwork() {
        return newNetwork;
    }

    @Override
    public boolean rootBuilt() {
        return templateKey != null;
    }

    @Override
    public boolean rootBuiltFor(LaunchRequest request) {
        return templateKey != null && java.util.Arrays.equals(templateKey, Protocol.encode(Protocol.template(request)))
                && (presetHostname == null || presetHostname.equals(request.hostname()));
    }

    @Override
    public boolean isAlive() {
        synchronized (this) {
            if (fds == null) {
                return false;
            }
            jnr.ffi.Pointer info = jnr.ffi.Memory.allocateDirect(Native.runtime(), 128, true);
            int r = Native.libc().waitid(LibC.P_PIDFD, pidfd, info, LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT);
            return r < 0 || info.getInt(16) == 0; // si_pid is set once it has exited (left to reap by close())
        }
    }

    /** The supervisor's PID. */
    public int helperPid() {
        return helperPid;
    }

    @Override
    public LaunchedProcess launch(LaunchRequest request, OutputHandler output) throws IOException {
        if (!request.cgroupProcsFiles().isEmpty() || request.cgroup2Dir() != null) {
            throw new IllegalArgumentException("request.cgroupProcsFiles (" + request.cgroupProcsFiles()
                    + ") must be empty: the job inherits the prepared helper's cgroups");
        }
        if (request.stdin() != null) {
            throw new IllegalArgumentException("request.stdin must be absent for a prepared helper");
        }
        if (request.tty()) {
            // Its fd 0 is /dev/null, not a console socket the job's terminal could be sent over.
            throw new IllegalArgumentException("request.tty (true) cannot be served by a prepared helper");
        }
        if (templateKey != null && !rootBuiltFor(request)) {
            throw new IllegalArgumentException("request differs from the template the prepared helper built its root for"
                    + " (beyond hostname, workdir, argv and env)");
        }
        if (request.netns() == null && request.network() != newNetwork) {
            throw new IllegalArgumentException("request.network (" + request.network()
                    + ") differs from the prepared helper's (" + newNetwork + ")");
        }
        int[] mine;
        int pfd;
        synchronized (this) {
            if (fds == null) {
                throw new IllegalStateException("prepared helper " + helperPid + " was already used or closed");
            }
            mine = fds;
            pfd = pidfd;
            fds = null;
            pidfd = -1;
        }
        byte[] message = templateKey != null ? Protocol.encodeExec(request) : Protocol.encode(request);
        return HelperProcess.handshake(helperPid, pfd, new int[] {mine[0], mine[1], mine[2], mine[3], -1}, message,
                request, output);
    }

    @Override
    public void close() {
        int[] mine;
        int pfd;
        synchronized (this) {
            if (fds == null) {
                return;
            }
            mine = fds;
            pfd = pidfd;
            fds = null;
            pidfd = -1;
        }
        // A header no helper accepts, then EOF: the helper exits at once without starting anything, and knows that
        // the JVM lives (plain EOF may mean the JVM died: it would then look for its cgroups to remove).
        try {
            HelperProcess.writeFully(mine[0], Protocol.DISCARD);
        } catch (IOException e) {
            log.debug("warm helper {}: {}", helperPid, e.getMessage()); // it has exited already
        }
        HelperProcess.closeAll(mine);
        HelperProcess.reap(pfd);
        Fds.closeQuietly(pfd);
        log.debug("warm helper {} discarded", helperPid);
    }
}
