package dev.joblet;

import dev.joblet.namespaces.Launcher;
import java.io.IOException;

/**
 * The launcher that {@link JobSpec#start()} and the {@link WarmPool} use until a {@code Joblet} instance owns one:
 * opened on first use, never closed (its I/O thread is a daemon; the JVM's exit ends it, and every job's
 * supervisor kills its job when the JVM is gone). Replaced by the instance's own launcher (issue 18).
 */
final class DefaultLauncher {
    private DefaultLauncher() {}

    private static final class Holder {
        static final Launcher LAUNCHER = open();

        private static Launcher open() {
            try {
                return Launcher.open();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot load the native helper", e);
            }
        }
    }

    static Launcher get() throws IOException {
        try {
            return Holder.LAUNCHER;
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IOException("cannot load the native helper", e.getCause());
        }
    }
}
