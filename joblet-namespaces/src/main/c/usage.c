/*
 * The final usage of a detached job (detach.c's finish), read from its cgroup directories once it has ended: the
 * status file's usage keys, one "key=value\n" line each, -1 when not known. v2 and v1 files alike, as the Java side
 * reads them for foreground jobs (dev.joblet.cgroups.internal.V1Stats/V2Stats).
 */
#include "helper.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The file's text from the first of the job's cgroup directories that has it; 0 when none has. */
static int cgroup_text(const struct config *cfg, const char *file, char *text, size_t size) {
    for (uint32_t i = 0; i <= cfg->ncgroups; i++) {
        const char *base = i < cfg->ncgroups ? cfg->cgroup_procs[i] : NULL;
        char path[4096 + 64];
        if (base != NULL) {
            const char *slash = strrchr(base, '/');
            if (slash == NULL) continue;
            snprintf(path, sizeof path, "%.*s/%s", (int)(slash - base), base, file);
        } else if (cfg->cgroup2_dir[0] != '\0') {
            snprintf(path, sizeof path, "%s/%s", cfg->cgroup2_dir, file);
        } else {
            continue;
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, text, size - 1);
        close(fd);
        if (n <= 0) continue;
        text[n] = '\0';
        return 1;
    }
    return 0;
}

/* The number for key (the line's first word; NULL for a file holding one number); -1 when not known. */
long long usage_figure(const struct config *cfg, const char *file, const char *key) {
    char text[4096];
    if (!cgroup_text(cfg, file, text, sizeof text)) return -1;
    if (key == NULL) return strtoll(text, NULL, 10);
    size_t klen = strlen(key);
    for (char *line = text; line != NULL && *line != '\0';) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ') return strtoll(line + klen + 1, NULL, 10);
        line = strchr(line, '\n');
        if (line != NULL) line++;
    }
    return -1;
}

/* The sum over all lines of word: v2 io.stat ("8:0 rbytes=1 wbytes=2 ...", word "rbytes=") or v1
 * blkio.throttle.io_service_bytes ("8:0 Read 1", word "Read "); 0 for a file with no device lines, -1 with no file. */
static long long io_sum(const struct config *cfg, const char *file, const char *word) {
    char text[16384];
    if (!cgroup_text(cfg, file, text, sizeof text)) return -1;
    long long sum = 0;
    size_t wlen = strlen(word);
    for (char *line = text; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        if (end != NULL) *end = '\0';
        if (strncmp(line, "Total", 5) != 0) { /* v1's last line sums the others */
            char *at = strstr(line, word);
            if (at != NULL && (at == line || at[-1] == ' ')) sum += strtoll(at + wlen, NULL, 10);
        }
        line = end == NULL ? NULL : end + 1;
    }
    return sum;
}

int usage_format(const struct config *cfg, char *out, size_t size) {
    long long user = usage_figure(cfg, "cpu.stat", "user_usec"), sys = usage_figure(cfg, "cpu.stat", "system_usec");
    long long throttled = usage_figure(cfg, "cpu.stat", "throttled_usec");
    if (user < 0) { /* v1: cpuacct.stat counts USER_HZ (100) ticks, cpu.stat's throttled_time nanoseconds */
        long long ut = usage_figure(cfg, "cpuacct.stat", "user"), st = usage_figure(cfg, "cpuacct.stat", "system");
        user = ut < 0 ? -1 : ut * 10000;
        sys = st < 0 ? -1 : st * 10000;
        long long ns = usage_figure(cfg, "cpu.stat", "throttled_time");
        throttled = ns < 0 ? -1 : ns / 1000;
    }
    long long peak = usage_figure(cfg, "memory.max_usage_in_bytes", NULL);
    if (peak < 0) peak = usage_figure(cfg, "memory.peak", NULL);
    long long ooms = usage_figure(cfg, "memory.oom_control", "oom_kill");
    if (ooms < 0) ooms = usage_figure(cfg, "memory.events", "oom_kill");
    long long pids = usage_figure(cfg, "pids.peak", NULL);
    long long rd = io_sum(cfg, "io.stat", "rbytes="), wr = io_sum(cfg, "io.stat", "wbytes=");
    if (rd < 0) {
        rd = io_sum(cfg, "blkio.throttle.io_service_bytes", "Read ");
        wr = io_sum(cfg, "blkio.throttle.io_service_bytes", "Write ");
    }
    return snprintf(out, size,
            "cpu_user_us=%lld\ncpu_system_us=%lld\ncpu_throttled_us=%lld\nmemory_peak=%lld\noom_kills=%lld\n"
            "pids_peak=%lld\nio_read_bytes=%lld\nio_write_bytes=%lld\n",
            user, sys, throttled, peak, ooms, pids, rd, wr);
}
