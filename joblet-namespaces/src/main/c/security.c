/*
 * Least privilege for the child: /proc hardening, rlimits, the privilege drop and the seccomp filter.
 *
 * The drop runs in the order that works (see child_main): no_new_privs, bounding set, ambient set,
 * setgroups, setresgid, setresuid, capset, then the seccomp filter (built once per policy by Java and
 * sent as a ready struct sock_filter[]; the helper only installs it).
 */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/*
 * A bind remount that keeps the flags the kernel locks when the mount came from a more privileged
 * mount namespace (nosuid, nodev, noexec, atime flags): dropping one of them fails with EPERM in a
 * user namespace. Used for every bind remount, so root and rootless behave alike.
 */
int remount_bind(const char *dst, unsigned long flags) {
    struct statvfs sv;
    if (statvfs(dst, &sv) == 0) {
        /* A bind copies the flags of the mount it was taken from (see ro_templates in rootfs.c): when it
         * already is read-only or writable as asked, and has every other flag asked for (those are kept by a
         * remount anyway, see above), the remount would change nothing. */
        unsigned long have = ((sv.f_flag & ST_RDONLY) ? MS_RDONLY : 0) | ((sv.f_flag & ST_NOSUID) ? MS_NOSUID : 0) |
                             ((sv.f_flag & ST_NODEV) ? MS_NODEV : 0) | ((sv.f_flag & ST_NOEXEC) ? MS_NOEXEC : 0);
        unsigned long known = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if ((flags & ~known) == 0 && (have & MS_RDONLY) == (flags & MS_RDONLY) && (have & flags) == flags) return 0;
        if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
        if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    }
    return mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | flags, NULL);
}

int remount_ro(const char *dst, unsigned long extra) {
    return remount_bind(dst, MS_RDONLY | extra);
}

/* Files of /proc that leak host secrets or kernel addresses: /dev/null is bound over them, nodev, so
 * opening them fails. */
static const char *const proc_masked_files[] = {"kcore", "keys", "timer_list", "latency_stats", "sched_debug",
                                                "kallsyms", "kpagecount", "kpageflags", "kpagecgroup",
                                                "sysrq-trigger", "config.gz", "vmallocinfo", "slabinfo", NULL};
/* Directories hidden under an empty read-only tmpfs. */
static const char *const proc_masked_dirs[] = {"acpi", "scsi", "asound", "firmware", "driver", NULL};
/* Directories that stay readable but become read-only (pressure: a write creates a PSI trigger, a kernel
 * poller the job could multiply). */
static const char *const proc_readonly[] = {"sys", "bus", "fs", "irq", "pressure", NULL};

static int path_in(char *out, const char *dir, const char *name) {
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/*
 * Few mounts, since each costs at start and again at teardown: a bind mount copies the flags of the mount it
 * is taken from, so only the first masked file gets /dev/null plus a read-only nodev remount, and every other
 * one is a single bind of that first mask; likewise the masked directories share the first one's empty
 * tmpfs. The read-only directories are plain (not recursive) binds: a fresh /proc has no submounts. The
 * proc mount itself is nosuid,nodev,noexec and nothing in it is locked, so no statvfs is needed either.
 */
int mask_proc(char *proc_dir) {
    char p[PATH_MAX];
    char first[PATH_MAX] = "";
    /* A path this kernel does not have fails the mount with ENOENT: skipped, without a stat of its own. */
    for (const char *const *n = proc_masked_files; *n != NULL; n++) {
        if (path_in(p, proc_dir, *n) < 0) return -1;
        if (first[0] != '\0') {
            if (mount(first, p, NULL, MS_BIND, NULL) < 0 && errno != ENOENT) return -1;
            continue;
        }
        if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) {
            if (errno == ENOENT) continue;
            return -1;
        }
        if (remount_ro(p, MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0) return -1;
        memcpy(first, p, sizeof first);
    }
    first[0] = '\0';
    /* Directories: a bind or a tmpfs onto a path that is not a directory fails with ENOTDIR (skipped too;
     * /proc has only the kernel's entries). */
    for (const char *const *n = proc_masked_dirs; *n != NULL; n++) {
        if (path_in(p, proc_dir, *n) < 0) return -1;
        if (first[0] != '\0') {
            if (mount(first, p, NULL, MS_BIND, NULL) < 0 && errno != ENOENT && errno != ENOTDIR) return -1;
            continue;
        }
        if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,nr_inodes=1,mode=0555") < 0) {
            if (errno == ENOENT || errno == ENOTDIR) continue;
            return -1;
        }
        memcpy(first, p, sizeof first);
    }
    for (const char *const *n = proc_readonly; *n != NULL; n++) {
        if (path_in(p, proc_dir, *n) < 0) return -1;
        if (mount(p, p, NULL, MS_BIND, NULL) < 0) {
            if (errno == ENOENT || errno == ENOTDIR) continue;
            return -1;
        }
        if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) return -1;
    }
    return 0;
}

static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

int apply_rlimits(const struct config *cfg, uint32_t *failed_index) {
    for (uint32_t i = 0; i < cfg->nrlimits; i++) {
        const uint8_t *e = cfg->rlimits + (size_t)i * 20;
        int resource = (int)(e[0] | e[1] << 8 | e[2] << 16 | (uint32_t)e[3] << 24);
        struct rlimit rl = {.rlim_cur = (rlim_t)get_u64(e + 4), .rlim_max = (rlim_t)get_u64(e + 12)};
        *failed_index = i;
        if (setrlimit(resource, &rl) < 0) return -1;
    }
    return 0;
}

/* The highest capability this kernel knows: PR_CAPBSET_READ fails with EINVAL above it. A binary search
 * (six probes, where counting up took forty). */
static int last_cap(void) {
    int lo = 0, hi = 63; /* lo is known, hi + 1 is not */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

int drop_bounding_and_ambient(uint64_t keep) {
    if (keep == CAPS_ALL) return 0;
    int last = last_cap();
    for (int c = 0; c <= last; c++) {
        if (keep & (1ULL << c)) continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) return -1;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -1;
    /* Kept capabilities must survive setresuid to a non-zero uid. */
    if (keep != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return -1;
    return 0;
}

int set_ids(const struct config *cfg) {
    if (!(cfg->secflags & SEC_SETGROUPS_DENY) && cfg->gid != ID_KEEP) {
        if (setgroups(0, NULL) < 0) return -1;
    }
    if (cfg->gid != ID_KEEP && setresgid(cfg->gid, cfg->gid, cfg->gid) < 0) return -1;
    if (cfg->uid != ID_KEEP && setresuid(cfg->uid, cfg->uid, cfg->uid) < 0) return -1;
    return 0;
}

/* The host uid a job runs as: its uid, or in a user namespace the host side of the uid_map line holding it (the
 * map is "inside outside count" lines); the supervisor's own where neither says. */
static unsigned host_uid(const struct config *cfg) {
    unsigned uid = cfg->uid != ID_KEEP ? cfg->uid : (unsigned)getuid();
    if (!(cfg->secflags & SEC_USERNS)) return uid;
    for (const char *p = cfg->uid_map; p != NULL && *p != '\0';) {
        char *end;
        unsigned long in = strtoul(p, &end, 10);
        unsigned long out = strtoul(end, &end, 10);
        unsigned long count = strtoul(end, &end, 10);
        if (uid >= in && uid - in < count) return (unsigned)(out + (uid - in));
        p = strchr(end, '\n');
        if (p != NULL) p++;
    }
    return (unsigned)getuid();
}

/*
 * The audit login uid: a process whose loginuid is unset may set it once without any privilege, after which
 * changing it takes CAP_AUDIT_CONTROL in the host's user namespace, which no job has. So while it is unset the
 * supervisor sets its own, before the clone that the job inherits it from, to the host uid the job runs as (the
 * child cannot always: in a user namespace its /proc/self belongs to an id it has no mapping for). One inherited
 * from the JVM is already fixed. A kernel without audit has no such file.
 */
int lock_loginuid(const struct config *cfg) {
    int fd = open("/proc/self/loginuid", O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    char buf[16];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    buf[n] = '\0';
    if (strcmp(buf, "4294967295") != 0) {
        close(fd);
        return 0;
    }
    int len = snprintf(buf, sizeof buf, "%u", host_uid(cfg));
    int r = pwrite(fd, buf, (size_t)len, 0) == len ? 0 : -1;
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

int set_caps(uint64_t keep) {
    if (keep == CAPS_ALL) return 0;
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    for (int i = 0; i < 2; i++) {
        uint32_t bits = (uint32_t)(keep >> (32 * i));
        data[i].effective = bits;
        data[i].permitted = bits;
        data[i].inheritable = bits;
    }
    if (syscall(SYS_capset, &hdr, data) < 0) return -1;
    /* Ambient capabilities carry the kept ones across exec for a non-root uid. */
    for (int c = 0; c < 64; c++) {
        if ((keep & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) return -1;
    }
    return 0;
}

int install_seccomp(const struct config *cfg) {
    if (cfg->seccomp_len == 0) return 0;
    /* The program sits unaligned in the config buffer: copy it. */
    struct sock_filter *filter = calloc(cfg->seccomp_len, sizeof(struct sock_filter));
    if (filter == NULL) return -1;
    for (uint32_t i = 0; i < cfg->seccomp_len; i++) {
        const uint8_t *e = cfg->seccomp + (size_t)i * 8;
        filter[i].code = (uint16_t)(e[0] | e[1] << 8);
        filter[i].jt = e[2];
        filter[i].jf = e[3];
        filter[i].k = (uint32_t)e[4] | (uint32_t)e[5] << 8 | (uint32_t)e[6] << 16 | (uint32_t)e[7] << 24;
    }
    struct sock_fprog prog = {.len = (unsigned short)cfg->seccomp_len, .filter = filter};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}
