package dev.joblet.namespaces.internal;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import org.jspecify.annotations.Nullable;

/**
 * The libc calls of {@link dev.joblet.namespaces.HostFiles}, with C names and C types (names and link texts as
 * NUL-terminated bytes). Loaded by HostFiles.
 */
public interface HostFileCalls {
    @SaveError
    long syscall(long nr, int dirfd, @In byte[] path, Pointer how, @size_t long size); // openat2

    @SaveError
    long syscall(long nr, @In byte[] fstype, int flags); // fsopen

    @SaveError
    long syscall(long nr, int fd, int cmd, @In byte @Nullable [] key, @In byte @Nullable [] value, int aux); // fsconfig

    @SaveError
    long syscall(long nr, int fd, int flags, int attrs); // fsmount

    @SaveError
    int openat(int dirfd, @In byte[] path, int flags, int mode);

    @SaveError
    int open(String path, int flags, int mode);

    @SaveError
    int fstat(int fd, Pointer st);

    @SaveError
    int fstatat(int dirfd, @In byte[] path, Pointer st, int flags);

    @SaveError
    @ssize_t
    long getdents64(int fd, Pointer buf, @size_t long n);

    @SaveError
    @ssize_t
    long readlinkat(int dirfd, @In byte[] path, @Out byte[] buf, @size_t long n);

    @SaveError
    int symlinkat(@In byte[] target, int dirfd, @In byte[] path);

    @SaveError
    int mkdirat(int dirfd, @In byte[] path, int mode);

    @SaveError
    int unlinkat(int dirfd, @In byte[] path, int flags);

    @SaveError
    int fchownat(int dirfd, @In byte[] path, int uid, int gid, int flags);

    @SaveError
    int fchmod(int fd, int mode);

    @SaveError
    @ssize_t
    long sendfile(int out, int in, Pointer offset, @size_t long count);

    @SaveError
    @ssize_t
    long read(int fd, @Out byte[] buf, @size_t long n);

    @SaveError
    @ssize_t
    long write(int fd, @In byte[] buf, @size_t long n);

    @SaveError
    int close(int fd);
}
