package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.LaunchedProcess;
import dev.joblet.namespaces.OutputHandler;
import dev.joblet.namespaces.PreparedLaunch;
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
    /** How long {@link #close()} waits for a discarded helper to exit by itself before it closes the lifeline. */
    private static final long DISCARD_WAIT_NANOS = 1_000_000_000L;

    private final Helpers owner;
    private final int helperPid;
    private final List<Path> procsFiles;
    private final boolean newNetwork;
    /** With a root built ahead ("zygote"): the encoded template it was built for; else null. */
    private final byte @Nullable [] templateKey;
    /** With the filter installed before the wait: the only hostname a launch may ask for; else null. */
    private final @Nullable String presetHostname;
    /** Guarded by this: the helper and the JVM's ends of its pipes; null once handed over or closed. */
    private HelperSpawn.@Nullable Spawned spawned;

    private WarmHelper(Helpers owner, HelperSpawn.Spawned spawned, List<Path> procsFiles, boolean newNetwork,
            byte @Nullable [] templateKey, @Nullable String presetHostname) {
        this.owner = owner;
        this.templateKey = templateKey;
        this.presetHostname = presetHostname;
        this.helperPid = spawned.pid;
        this.spawned = spawned;
        this.procsFiles = procsFiles;
        this.newNetwork = newNetwork;
    }

    /**
     * Spawns a helper, sends it the warm message and waits until it is ready (this may take an RCU grace period);
     * with a {@code template}, the helper also clones the job and builds its root (mounts, pivot_root) now, and the
     * job only waits for its hostname, workdir, argv and env.
     */
    static WarmHelper prepare(Helpers owner, HelperImage image, List<Path> procsFiles, boolean newNetwork,
            @Nullable LaunchRequest template, boolean earlySeccomp) throws IOException {
        List<Path> files = List.copyOf(procsFiles);
        byte[] messages = Protocol.encodeWarm(files, newNetwork);
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
            byte[] joined = java.util.Arrays.copyOf(messages, messages.length + config.length);
            System.arraycopy(config, 0, joined, messages.length, config.length);
            messages = joined;
        }
        HelperSpawn.Spawned s = HelperSpawn.spawn(image, HelperSpawn.Stdin.NULL);
        // The second MSG_READY of a template: the child built the root.
        Handshake.awaitReady(s, messages, key == null ? 1 : 2, files);
        log.debug("warm helper {} ready in {} (new network namespace: {})", s.pid, files, newNetwork);
        return new WarmHelper(owner, s, files, newNetwork, key, earlySeccomp && template != null ? template.hostname()
                : null);
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
            HelperSpawn.Spawned s = spawned;
            if (s == null) {
                return false;
            }
            jnr.ffi.Pointer info = jnr.ffi.Memory.allocateDirect(Native.runtime(), 128, true);
            int r = Native.libc().waitid(LibC.P_PIDFD, s.pidfd, info, LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT);
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
        byte[] message = templateKey != null ? Protocol.encodeExec(request) : Protocol.encode(request);
        HelperSpawn.Spawned s = take();
        if (s == null) {
            throw new IllegalStateException("prepared helper " + helperPid + " was already used or closed");
        }
        return owner.started(this, s, message, request, output);
    }

    /** Takes the helper for a launch or a close; null when it was taken already. */
    private synchronized HelperSpawn.@Nullable Spawned take() {
        HelperSpawn.Spawned s = spawned;
        spawned = null;
        return s;
    }

    @Override
    public void close() {
        HelperSpawn.Spawned s = take();
        if (s == null) {
            return;
        }
        owner.forget(this);
        // MSG_DISCARD, then EOF: the helper exits at once without starting anything, and knows that the JVM lives
        // (plain EOF may mean the JVM died: it would then look for its cgroups to remove).
        try {
            Handshake.writeFully(s.ctl, Protocol.discard());
            // The control pipe stays open until the helper has exited. With a root built ahead, the discard is read by
            // the waiting child, and its supervisor would see only the pipe's EOF: it then waits 200 ms to tell a
            // discard from the JVM's death (jvm_gone() in hostfds.c) before it exits, and this close, which a start
            // whose root differs from the one built waits for, with it. Bounded: abandon() ends it either way.
            HelperSpawn.awaitExit(s.pidfd, DISCARD_WAIT_NANOS);
        } catch (IOException e) {
            log.debug("warm helper {}: {}", helperPid, e.getMessage()); // it has exited already
        }
        s.abandon();
        log.debug("warm helper {} discarded", helperPid);
    }
}
