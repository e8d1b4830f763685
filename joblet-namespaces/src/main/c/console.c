/*
 * The job's terminal (CFG_TTY), made the way runc and crun make a container's console: by the child, after
 * pivot_root, from the job's own devpts instance (mounted with newinstance in rootfs.c), so that the job sees
 * its terminal as /dev/pts/0 and ttyname(3) works. With CFG_TTY the helper's fd 0 is not the job's stdin but
 * the console socket, an AF_UNIX SOCK_SEQPACKET socket to the JVM (see helper.h): the child sends the master
 * over it (SCM_RIGHTS, one message of one byte), makes the slave its controlling terminal in a session of its
 * own, and its stdin, stdout and stderr, which closes the socket. The terminal gets the config's size
 * (tty_rows x tty_cols) before the master is sent. All of this happens before the seccomp
 * filter goes in (with CFG_DEFER_EXEC too: child_main calls make_console right after pivot_root). Child only.
 */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Sends fd over the socket as the one file of a one-byte message. */
static int send_fd(int sock, int fd) {
    char byte = 'T';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    ssize_t n;
    do n = sendmsg(sock, &msg, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

/* A session of its own (unless something made the child a session leader already): TIOCSCTTY needs one. */
static int own_session(void) {
    return getsid(0) == getpid() ? 0 : (int)setsid();
}

static int stdio_to(int slave) {
    for (int fd = 0; fd <= 2; fd++) {
        if (dup2(slave, fd) < 0) return -1;
    }
    return 0;
}

/* One step of make_console; detail names it to the JVM (see Handshake.subject). */
#define CONSOLE_STEP(detail, expr)                                               \
    do {                                                                         \
        if ((detail) == 0) FAULT_POINT(cfg, ST_TTY, 0);                          \
        if ((expr) < 0) die_errno(ST_TTY, (detail), "%s", #expr);                \
    } while (0)

void make_console(const struct config *cfg) {
    int master = -1, slave = -1, unlock = 0;
    CONSOLE_STEP(0, master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    CONSOLE_STEP(1, ioctl(master, TIOCSPTLCK, &unlock));
    CONSOLE_STEP(1, slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    /* The job's user owns its terminal (mode 620, as devpts makes it), as login(1) gives a user theirs. */
    if (cfg->uid != ID_KEEP || cfg->gid != ID_KEEP) CONSOLE_STEP(2, fchown(slave, cfg->uid, cfg->gid));
    /* Its size from the config, before the master leaves and long before exec: the command's first TIOCGWINSZ
     * (stty size, a full-screen program's first draw) sees it, with or without init, and no resize can race it. */
    if (cfg->tty_rows != 0) {
        struct winsize ws = {.ws_row = cfg->tty_rows, .ws_col = cfg->tty_cols};
        CONSOLE_STEP(6, ioctl(slave, TIOCSWINSZ, &ws));
    }
    CONSOLE_STEP(3, send_fd(0, master));
    close(master);
    CONSOLE_STEP(4, own_session());
    CONSOLE_STEP(4, ioctl(slave, TIOCSCTTY, 0));
    CONSOLE_STEP(5, stdio_to(slave));
    if (slave > 2) close(slave);
}
