package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.libc.LibC;
import java.io.IOException;
import java.io.InputStream;

/**
 * The native helper's executable, held in a sealed memfd: nothing is written to disk, and nobody (not even
 * this process) can change it once sealed. It is executed through {@code /proc/self/fd/N}. Thread-safe; its owner
 * (the launcher's {@link Helpers}) closes it once no spawn can use it any more.
 */
public final class HelperImage implements AutoCloseable {

    private final int fd;
    private final String path;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private HelperImage(int fd) {
        this.fd = fd;
        this.path = "/proc/self/fd/" + fd;
    }

    /** The helper bundled with this library, for the machine this JVM runs on ({@code os.arch}). */
    public static HelperImage bundled() throws IOException {
        String resource = resourceFor(System.getProperty("os.arch", ""));
        try (InputStream in = HelperImage.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("the native helper is missing from the classpath (resource dev/joblet/namespaces/internal/"
                        + resource + "): the joblet-namespaces jar was built without it");
            }
            return of(in.readAllBytes());
        }
    }

    /**
     * The jar's resource holding the static helper for a JVM whose {@code os.arch} is {@code osArch}: the x86_64 one
     * keeps its historical name, the aarch64 one is built by Debian's cross compiler. Any other machine is refused.
     */
    static String resourceFor(String osArch) throws IOException {
        switch (osArch) {
            case "amd64":
            case "x86_64":
                return "joblet-helper";
            case "aarch64":
            case "arm64":
                return "joblet-helper-aarch64";
            default:
                throw new IOException("os.arch '" + osArch + "' is not supported: Joblet's native helper is built for"
                        + " x86_64 (amd64) and aarch64 (arm64) only");
        }
    }

    /** A helper image from bytes (tests use the fault-injection build). */
    public static HelperImage of(byte[] image) throws IOException {
        LibC libc = Native.libc();
        int fd = libc.memfd_create("joblet-helper", LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
        if (fd < 0) {
            throw new IOException("memfd_create: " + Native.describe(Native.errno()));
        }
        try {
            int off = 0;
            while (off < image.length) {
                byte[] chunk = off == 0 ? image : java.util.Arrays.copyOfRange(image, off, image.length);
                long w = libc.write(fd, chunk, chunk.length);
                if (w < 0) {
                    throw new IOException("write memfd: " + Native.describe(Native.errno()));
                }
                off += (int) w;
            }
            int seals = LibC.F_SEAL_SEAL | LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE;
            if (libc.fcntl(fd, LibC.F_ADD_SEALS, seals) < 0) {
                throw new IOException("seal memfd: " + Native.describe(Native.errno()));
            }
            return new HelperImage(Fds.atLeast(fd, 10));
        } catch (IOException | RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    /** The path to pass to posix_spawn. */
    public String path() {
        return path;
    }

    public int fd() {
        return fd;
    }

    /** Closes the memfd. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Native.libc().close(fd);
        }
    }
}
