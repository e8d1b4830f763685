/* The pipes between the JVM, the supervisor and the child: exact reads and writes, the status-shaped message, and
 * die(), the one way to fail (see helper.h). */
#include "helper.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Where die() reports and how it exits: the supervisor's status pipe until the child sets its error pipe. */
static int die_fd = STATUS_FD;
static int die_code = 1;
static void (*die_hook)(int stage, int err, int detail);

void die_on(int fd, int exit_code) {
    die_fd = fd;
    die_code = exit_code;
    die_hook = NULL;
}

void die_also(void (*hook)(int stage, int err, int detail)) {
    die_hook = hook;
}

void put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

ssize_t read_exact(int fd, void *buf, size_t n) {
    uint8_t *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) {
            if (got == 0) return 0;
            errno = EBADMSG;
            return -1;
        }
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int write_exact(int fd, const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int send_msg(int fd, uint32_t kind, int32_t a, int32_t b, int32_t c) {
    uint8_t msg[MESSAGE_SIZE];
    put_u32(msg, kind);
    put_u32(msg + 4, PROTO_VERSION);
    put_u32(msg + 8, (uint32_t)a);
    put_u32(msg + 12, (uint32_t)b);
    put_u32(msg + 16, (uint32_t)c);
    return write_exact(fd, msg, sizeof msg);
}

/* The one place every failure reaches. */
_Noreturn static void die_report(int stage, int err, int detail, const char *fmt, va_list ap) {
#ifdef JOBLET_HELPER_TRACE
    char what[256];
    vsnprintf(what, sizeof what, fmt, ap);
    dprintf(2, "joblet-helper[%d]: %s: %s (stage %d, detail %d)\n", (int)getpid(), what, strerror(err), stage, detail);
#else
    (void)fmt;
    (void)ap;
#endif
    if (die_hook != NULL) die_hook(stage, err, detail);
    (void)send_msg(die_fd, MSG_ERROR, stage, err, detail); /* the reader may be gone: nothing else to do */
    _exit(die_code);
}

_Noreturn void die(int stage, int err, int detail, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    die_report(stage, err, detail, fmt, ap);
}

_Noreturn void die_errno(int stage, int detail, const char *fmt, ...) {
    int err = errno;
    va_list ap;
    va_start(ap, fmt);
    die_report(stage, err, detail, fmt, ap);
}
