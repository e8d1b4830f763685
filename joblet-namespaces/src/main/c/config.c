/* Parsing of the config message. Every read is bounds-checked; strings are copied in place with a NUL. */
#include "helper.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct reader {
    uint8_t *buf;
    size_t len;
    size_t pos;
    int err;
};

static uint32_t rd_u32(struct reader *r) {
    if (r->err || r->len - r->pos < 4) {
        r->err = EBADMSG;
        return 0;
    }
    const uint8_t *p = r->buf + r->pos;
    r->pos += 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Strings are { u32 length, bytes }. The length word of the *next* field is not needed once read,
 * so each string is made NUL-terminated by shifting it down over its own length word.
 */
static const char *rd_str(struct reader *r) {
    uint32_t n = rd_u32(r);
    if (r->err || r->len - r->pos < n) {
        r->err = EBADMSG;
        return "";
    }
    char *dst = (char *)r->buf + r->pos - 4;
    memmove(dst, r->buf + r->pos, n);
    dst[n] = '\0';
    if (memchr(dst, '\0', n) != NULL) {
        r->err = EBADMSG;
        return "";
    }
    r->pos += n;
    return dst;
}

static char **rd_strv(struct reader *r, uint32_t *count) {
    uint32_t n = rd_u32(r);
    if (r->err || n > 65536) {
        r->err = EBADMSG;
        return NULL;
    }
    char **v = calloc((size_t)n + 1, sizeof(char *));
    if (v == NULL) {
        r->err = ENOMEM;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) v[i] = (char *)rd_str(r);
    if (count != NULL) *count = n;
    return v;
}

int config_parse(uint8_t *buf, size_t len, struct config *cfg) {
    struct reader r = {buf, len, 0, 0};
    memset(cfg, 0, sizeof(*cfg));
    cfg->flags = rd_u32(&r);
    cfg->fault = rd_u32(&r);
    cfg->staging = rd_str(&r);
    cfg->hostname = rd_str(&r);
    cfg->workdir = rd_str(&r);
    uint32_t argc = 0;
    cfg->argv = rd_strv(&r, &argc);
    cfg->envp = rd_strv(&r, NULL);
    cfg->cgroup_procs = (const char **)rd_strv(&r, &cfg->ncgroups);
    cfg->cgroup2_dir = rd_str(&r);
    cfg->nmounts = rd_u32(&r);
    if (r.err == 0 && cfg->nmounts > 4096) r.err = EBADMSG;
    if (r.err == 0) {
        cfg->mounts = calloc((size_t)cfg->nmounts + 1, sizeof(struct mount_op));
        if (cfg->mounts == NULL) r.err = ENOMEM;
    }
    for (uint32_t i = 0; r.err == 0 && i < cfg->nmounts; i++) {
        struct mount_op *m = &cfg->mounts[i];
        m->kind = rd_u32(&r);
        m->flags = rd_u32(&r);
        m->source = rd_str(&r);
        m->target = rd_str(&r);
        m->data = rd_str(&r);
        m->fd = -1;
        if (m->kind < MNT_BIND || m->kind > MNT_NAMED_FILE || m->target[0] != '/') r.err = EBADMSG;
    }
    cfg->cpumask_len = rd_u32(&r);
    if (r.err == 0 && (cfg->cpumask_len > 1024 || len - r.pos < cfg->cpumask_len)) r.err = EBADMSG;
    if (r.err == 0) {
        cfg->cpumask = buf + r.pos;
        r.pos += cfg->cpumask_len;
    }
    /* Security fields, appended after the cpumask. */
    cfg->secflags = rd_u32(&r);
    cfg->uid = rd_u32(&r);
    cfg->gid = rd_u32(&r);
    uint32_t caps_lo = rd_u32(&r);
    uint32_t caps_hi = rd_u32(&r);
    cfg->caps_keep = (uint64_t)caps_hi << 32 | caps_lo;
    cfg->nrlimits = rd_u32(&r);
    if (r.err == 0 && (cfg->nrlimits > 64 || (len - r.pos) / 20 < cfg->nrlimits)) r.err = EBADMSG;
    if (r.err == 0) {
        cfg->rlimits = buf + r.pos;
        r.pos += (size_t)cfg->nrlimits * 20;
    }
    cfg->seccomp_len = rd_u32(&r);
    if (r.err == 0 && (cfg->seccomp_len > 4096 || (len - r.pos) / 8 < cfg->seccomp_len)) r.err = EBADMSG;
    if (r.err == 0) {
        cfg->seccomp = buf + r.pos;
        r.pos += (size_t)cfg->seccomp_len * 8;
    }
    cfg->uid_map = rd_str(&r);
    cfg->gid_map = rd_str(&r);
    cfg->netns = rd_str(&r);
    uint32_t winsize = rd_u32(&r);
    cfg->tty_rows = (uint16_t)(winsize >> 16);
    cfg->tty_cols = (uint16_t)(winsize & 0xFFFF);
    if (r.err == 0 && r.pos != len) r.err = EBADMSG;
    /* A size only for a terminal, and both or neither of rows and columns. */
    if (r.err == 0 && winsize != 0 && (!(cfg->flags & CFG_TTY) || cfg->tty_rows == 0 || cfg->tty_cols == 0))
        r.err = EINVAL;
    if (r.err == 0 && (argc == 0 || cfg->argv[0][0] == '\0' || cfg->staging[0] != '/' || cfg->workdir[0] != '/'))
        r.err = EINVAL;
    return r.err;
}

int exec_parse(uint8_t *buf, size_t len, struct config *cfg) {
    struct reader r = {buf, len, 0, 0};
    const char *hostname = rd_str(&r);
    const char *workdir = rd_str(&r);
    uint32_t argc = 0;
    char **argv = rd_strv(&r, &argc);
    char **envp = rd_strv(&r, NULL);
    if (r.err == 0 && r.pos != len) r.err = EBADMSG;
    if (r.err == 0 && (argc == 0 || argv[0][0] == '\0' || workdir[0] != '/')) r.err = EINVAL;
    if (r.err != 0) {
        free(argv);
        free(envp);
        return r.err;
    }
    cfg->hostname = hostname;
    cfg->workdir = workdir;
    cfg->argv = argv;
    cfg->envp = envp;
    return 0;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int header_parse(const uint8_t hdr[HEADER_SIZE], uint32_t *kind, uint32_t *len, int *detail) {
    *kind = le32(hdr);
    *len = le32(hdr + 8);
    *detail = 0;
    if (*kind != MSG_CONFIG && *kind != MSG_WARM && *kind != MSG_EXEC && *kind != MSG_DISCARD
            && *kind != MSG_DETACH) return EBADMSG;
    if (le32(hdr + 4) != PROTO_VERSION) {
        *detail = (int)le32(hdr + 4);
        return EPROTONOSUPPORT;
    }
    if (*len > CONFIG_MAX_BYTES || (*kind == MSG_DISCARD && *len != 0)) return EMSGSIZE;
    return 0;
}

int warm_parse(uint8_t *buf, size_t len, struct warm *w) {
    struct reader r = {buf, len, 0, 0};
    memset(w, 0, sizeof(*w));
    w->flags = rd_u32(&r);
    w->cgroup_procs = (const char **)rd_strv(&r, &w->ncgroups);
    for (uint32_t i = 0; r.err == 0 && i < w->ncgroups; i++) {
        if (strlen(w->cgroup_procs[i]) >= 4096) r.err = EBADMSG;
    }
    if (r.err == 0 && r.pos != len) r.err = EBADMSG;
    if (r.err != 0) {
        free(w->cgroup_procs);
        w->cgroup_procs = NULL;
        w->ncgroups = 0;
    }
    return r.err;
}

int command_parse(const uint8_t msg[COMMAND_SIZE], uint32_t *kind, int32_t *arg) {
    *kind = le32(msg);
    *arg = (int32_t)le32(msg + 8);
    if (*kind != MSG_SIGNAL) return EINVAL;
    return le32(msg + 4) == PROTO_VERSION ? 0 : EPROTONOSUPPORT;
}

int status_parse(const uint8_t msg[MESSAGE_SIZE], uint32_t *kind, int32_t abc[3]) {
    *kind = le32(msg);
    for (int i = 0; i < 3; i++) abc[i] = (int32_t)le32(msg + 8 + 4 * i);
    if (*kind != MSG_ERROR && *kind != MSG_ROOT_BUILT) return EBADMSG;
    return le32(msg + 4) == PROTO_VERSION ? 0 : EPROTONOSUPPORT;
}

int detach_parse(uint8_t *buf, size_t len, struct detach *d) {
    struct reader r = {buf, len, 0, 0};
    memset(d, 0, sizeof(*d));
    d->dir = rd_str(&r);
    d->log_cap = rd_u32(&r);
    d->timeout_ms = rd_u32(&r);
    d->grace_ms = rd_u32(&r);
    d->keep_fd = (int32_t)rd_u32(&r);
    uint64_t lo = rd_u32(&r);
    d->start_at_ms = lo | (uint64_t)rd_u32(&r) << 32;
    if (r.err == 0 && (d->keep_fd < -1 || d->dir[0] != '/' || strlen(d->dir) >= 4096 || d->log_cap < 4096)) r.err = EINVAL;
    if (r.err == 0 && r.pos != len) r.err = EBADMSG;
    return r.err;
}
