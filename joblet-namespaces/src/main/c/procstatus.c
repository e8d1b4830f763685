/*
 * Reading a process's signal state from /proc (for the detached supervisor's timeout, detach.c).
 */
#include "helper.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether the job's PID 1 catches or blocks SIGTERM (/proc/PID/status SigCgt, SigBlk); if not, the kernel drops a
 * TERM sent to a namespace's init, and only SIGKILL ends it. Unknown (unreadable): assume it does. */
int handles_term(int pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 1;
    buf[n] = 0;
    const unsigned long long term = 1ull << (SIGTERM - 1);
    int found = 0, handled = 0;
    static const char *const keys[] = {"SigBlk:\t", "SigCgt:\t"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const char *key = keys[k];
        const char *at = strstr(buf, key);
        if (at == NULL) continue;
        found++;
        if (strtoull(at + strlen(key), NULL, 16) & term) handled = 1;
    }
    return found == 2 ? handled : 1;
}
