package dev.joblet.namespaces.libc;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import org.jspecify.annotations.Nullable;

/**
 * The libc functions the parent side of the launch path needs, with C names and C types. Functions that
 * report through errno save it ({@code Runtime.getLastError}); posix_spawn returns its error instead.
 *
 * <p>Declarations only, and not API: jnr-ffi implements this interface in a class it defines in an unnamed
 * module, which can implement it only when its package is exported to every module (see module-info.java). The
 * one bound instance is {@code dev.joblet.namespaces.internal.Native.libc()}, which is not exported.
 */
public interface LibC {
    int O_RDONLY = 0;
    int CLONE_NEWNET = 0x40000000;
    int O_RDWR = 2;
    int O_NONBLOCK = 0x800;
    int O_CLOEXEC = 0x80000;
    int F_DUPFD_CLOEXEC = 1030;
    int F_GETFL = 3;
    int F_SETFL = 4;
    int F_ADD_SEALS = 1033;
    int F_SETPIPE_SZ = 1031;
    int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;
    int MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;
    int EPOLL_CLOEXEC = 0x80000;
    int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    int EPOLLIN = 0x001, EPOLLOUT = 0x004, EPOLLERR = 0x008, EPOLLHUP = 0x010;
    int P_PIDFD = 3;
    int WEXITED = 4, WNOHANG = 1, WNOWAIT = 0x01000000;
    long SYS_PIDFD_OPEN = 434;
    long SYS_PIDFD_SEND_SIGNAL = 424;
    int EINTR = 4, EAGAIN = 11, ENOSYS = 38;

    // posix_spawn returns an errno value; it does not set errno.
    @IgnoreError
    int posix_spawn(@Out IntByReference pid, String path, Pointer fileActions, @Nullable Pointer attr, Pointer argv,
            Pointer envp);

    @IgnoreError
    int posix_spawn_file_actions_init(Pointer fileActions);

    @IgnoreError
    int posix_spawn_file_actions_destroy(Pointer fileActions);

    @IgnoreError
    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newfd);

    @SaveError
    int pipe2(@Out int[] fds, int flags);

    @SaveError
    int close(int fd);

    int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    @SaveError
    int eventfd(int initval, int flags);

    @SaveError
    @ssize_t
    long read(int fd, Pointer buf, @size_t long count);

    /** Reads straight into a Java array (pinned for the call: no intermediate native buffer). */
    @SaveError
    @ssize_t
    long read(int fd, @Pinned @Out byte[] buf, @size_t long count);

    /** Reads into a heap buffer's array at its position (pinned for the call, as above). */
    @SaveError
    @ssize_t
    long read(int fd, @Pinned @Out java.nio.ByteBuffer buf, @size_t long count);

    @SaveError
    @ssize_t
    long write(int fd, @In byte[] buf, @size_t long count);

    @SaveError
    int fcntl(int fd, int cmd, int arg);

    @SaveError
    int open(String path, int flags, int mode);

    @SaveError
    int memfd_create(String name, int flags);

    /** For the calling thread only (see {@link dev.joblet.namespaces.FreshNetns}). */
    @SaveError
    int unshare(int flags);

    @SaveError
    int setns(int fd, int nstype);

    @SaveError
    long syscall(long number, long a1, long a2);

    @SaveError
    long syscall(long number, long a1, long a2, long a3, long a4);

    @SaveError
    int epoll_create1(int flags);

    @SaveError
    int epoll_ctl(int epfd, int op, int fd, Pointer event);

    @SaveError
    int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis);

    /** As epoll_wait with a struct timespec timeout (glibc 2.35, Linux 5.11). */
    @SaveError
    int epoll_pwait2(int epfd, Pointer events, int maxEvents, Pointer timeout, @Nullable Pointer sigmask);

    @SaveError
    int waitid(int idType, int id, Pointer info, int options);

    @IgnoreError
    int getpid();

    int O_NOCTTY = 0x100;
    long TIOCSWINSZ = 0x5414;

    @SaveError
    int ioctl(int fd, long request, Pointer arg);

    int AF_UNIX = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
    int SOL_SOCKET = 1, SCM_RIGHTS = 1;
    int MSG_DONTWAIT = 0x40, MSG_CTRUNC = 0x8, MSG_CMSG_CLOEXEC = 0x40000000;
    long TIOCGPTN = 0x80045430L;

    @SaveError
    int socketpair(int domain, int type, int protocol, @Out int[] sv);

    @SaveError
    @ssize_t
    long recvmsg(int fd, Pointer msghdr, int flags);
}
