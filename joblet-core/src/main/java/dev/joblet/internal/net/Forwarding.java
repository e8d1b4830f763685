package dev.joblet.internal.net;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code net.ipv4.ip_forward} for the egress of private networks, shared by every JVM on the host through files in
 * {@code /run/joblet/ip_forward} (under an advisory lock on its file {@code lock}): {@code forward-PID_START} says
 * that JVM has a network with egress now; {@code turned-on} says a JVM of this library turned forwarding on (it
 * was off). Forwarding is turned
 * off again when the last JVM that needs it stops needing it or is found dead by the sweep, and only if the
 * library turned it on. Thread-safe.
 */
final class Forwarding {
    private static final Logger log = LoggerFactory.getLogger(Forwarding.class);

    /** One lock for every instance: two FileLocks of one JVM on one file would overlap. */
    private static final Object LOCK = new Object();

    private final Path stateDir;
    private final Path sysctl;
    private final Owner owner;

    Forwarding(Path stateDir, Path sysctl, Owner owner) {
        this.stateDir = stateDir;
        this.sysctl = sysctl;
        this.owner = owner;
    }

    private Path mine() {
        return stateDir.resolve("forward-" + owner.tag());
    }

    private Path turnedOn() {
        return stateDir.resolve("turned-on");
    }

    /** Records whether this JVM needs forwarding; turns it on or (when nobody needs it and we turned it on) off. */
    void want(boolean wanted) throws IOException {
        if (!wanted && !Files.exists(mine())) {
            return;
        }
        synchronized (LOCK) {
            wantLocked(wanted);
        }
    }

    @SuppressWarnings("try") // l is held, not used: the block runs under the lock
    private void wantLocked(boolean wanted) throws IOException {
        try (FileChannel ch = lock(); FileLock l = ch.lock()) {
            if (wanted) {
                Files.writeString(mine(), "");
                if (Files.readString(sysctl).trim().equals("0")) {
                    Files.writeString(turnedOn(), owner.tag() + "\n");
                    Files.writeString(sysctl, "1");
                    log.info("turned on net.ipv4.ip_forward for the egress of private networks");
                }
            } else {
                Files.deleteIfExists(mine());
                restoreIfUnneeded();
            }
        }
    }

    /** Forgets dead JVMs' needs; turns forwarding off if the library turned it on and no live JVM needs it. */
    int sweep() throws IOException {
        if (!Files.isDirectory(stateDir)) {
            return 0;
        }
        synchronized (LOCK) {
            return sweepLocked();
        }
    }

    @SuppressWarnings("try") // l is held, not used: the block runs under the lock
    private int sweepLocked() throws IOException {
        int n = 0;
        try (FileChannel ch = lock(); FileLock l = ch.lock()) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(stateDir, "forward-*")) {
                for (Path p : ds) {
                    Optional<Owner> o = Owner.parse(p.getFileName().toString().substring("forward-".length()));
                    if (o.isPresent() && o.get().isDead()) {
                        Files.deleteIfExists(p);
                        n++;
                    }
                }
            }
            if (restoreIfUnneeded()) {
                n++;
            }
        }
        return n;
    }

    private boolean restoreIfUnneeded() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(stateDir, "forward-*")) {
            if (ds.iterator().hasNext() || !Files.exists(turnedOn())) {
                return false;
            }
        }
        Files.writeString(sysctl, "0");
        Files.delete(turnedOn());
        log.info("turned net.ipv4.ip_forward off again: no private network needs it and this library turned it on");
        return true;
    }

    private FileChannel lock() throws IOException {
        Files.createDirectories(stateDir);
        return FileChannel.open(stateDir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
}
