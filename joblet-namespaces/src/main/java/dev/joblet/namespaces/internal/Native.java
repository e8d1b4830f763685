package dev.joblet.namespaces.internal;

import dev.joblet.namespaces.libc.LibC;
import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** Loads libc once, on first use; fails at load time, never falls back. Thread-safe. */
public final class Native {
    private Native() {}

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).failImmediately().load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    public static LibC libc() {
        return Holder.LIBC;
    }

    public static Runtime runtime() {
        return Holder.RUNTIME;
    }

    /** errno of the last failed call on this thread (for functions marked {@code @SaveError}). */
    public static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    /** "ENOENT (No such file or directory)" for 2. */
    public static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        if (e == null || e.name().startsWith("__")) {
            return "errno " + errno;
        }
        return e.name() + " (" + e.description() + ")";
    }

    /** "ENOENT" for 2. */
    public static String errnoName(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == null || e.name().startsWith("__") ? "errno " + errno : e.name();
    }
}
