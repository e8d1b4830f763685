package dev.joblet.internal.net;

/**
 * What every job's {@code /etc/hosts} starts with, as container runtimes write it: the loopback names. A job on no
 * network (or the host's) then has its own hostname on 127.0.1.1 (the helper appends it, see
 * {@code MountOp.namedFile}); a job on a private network has its network's file, which names every member on its
 * address. Immutable.
 */
public final class HostsFile {
    /** The loopback lines. */
    public static final String LOOPBACK = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
    /** Where a job without a network address of its own finds its hostname (Debian's convention for the host's). */
    public static final String OWN_NAME_ADDRESS = "127.0.1.1";

    private HostsFile() {}
}
