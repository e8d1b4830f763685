/*
 * libFuzzer harness over everything the helper reads from the JVM on its control pipe (fd 3), in the order it
 * reads it (main.c read_config, sandbox.c await_command, main.c supervise):
 *
 *   [ MSG_WARM header (12) + warm body ]  MSG_CONFIG header (12) + config body
 *   [ MSG_EXEC header (12) + exec body, when the config has CFG_DEFER_EXEC ]  { command (12) }*
 *
 * and then, as the supervisor reads its child's error pipe (main.c), the same input once more as a stream of
 * status-shaped messages (20 bytes each).
 *
 * The input is that byte stream. Each body is copied into a buffer of exactly its length (the helper's has one
 * spare byte; here any read past the end is an ASan report), parsed by the helper's own parsers (config.c), and
 * every string, array and table the parse result points at is then read in full, as the helper would use it,
 * so a parser that accepts a message must leave nothing dangling, unterminated or out of bounds.
 */
#include "helper.h"

#include <stdlib.h>
#include <string.h>

struct stream {
    const uint8_t *p;
    size_t left;
};

static int take(struct stream *s, uint8_t *dst, size_t n) {
    if (s->left < n) return -1;
    memcpy(dst, s->p, n);
    s->p += n;
    s->left -= n;
    return 0;
}

/* A body of exactly len bytes (malloc(0) may return NULL: one byte then, never read by a correct parser). */
static uint8_t *take_body(struct stream *s, uint32_t len) {
    if (s->left < len) return NULL;
    uint8_t *b = malloc(len > 0 ? len : 1);
    if (b == NULL) abort();
    memcpy(b, s->p, len);
    s->p += len;
    s->left -= len;
    return b;
}

static volatile size_t sink;

static void use_str(const char *str) {
    if (str == NULL) abort(); /* a parse that succeeded leaves no field NULL */
    sink += strlen(str);
}

static void use_strv(char **v, size_t n) {
    if (v == NULL) abort();
    for (size_t i = 0; i < n; i++) use_str(v[i]);
    if (v[n] != NULL) abort(); /* NULL-terminated for execve */
}

static size_t count(char **v) {
    size_t n = 0;
    while (v[n] != NULL) n++;
    return n;
}

static void use_bytes(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) sink += p[i];
}

static void use_config(const struct config *c) {
    use_str(c->staging);
    use_str(c->hostname);
    use_str(c->workdir);
    use_strv(c->argv, count(c->argv));
    if (c->argv[0] == NULL || c->argv[0][0] == '\0' || c->workdir[0] != '/' || c->staging[0] != '/') abort();
    use_strv(c->envp, count(c->envp));
    use_strv((char **)c->cgroup_procs, c->ncgroups);
    use_str(c->cgroup2_dir);
    for (uint32_t i = 0; i < c->nmounts; i++) {
        const struct mount_op *m = &c->mounts[i];
        if (m->kind < MNT_BIND || m->kind > MNT_NAMED_FILE || m->target[0] != '/') abort(); /* the last kind of helper.h */
        use_str(m->source);
        use_str(m->target);
        use_str(m->data);
    }
    use_bytes(c->cpumask, c->cpumask_len);
    use_bytes(c->rlimits, (size_t)c->nrlimits * 20);
    use_bytes(c->seccomp, (size_t)c->seccomp_len * 8);
    use_str(c->uid_map);
    use_str(c->gid_map);
    use_str(c->netns);
    if ((c->tty_rows == 0) != (c->tty_cols == 0) || (c->tty_rows != 0 && !(c->flags & CFG_TTY))) abort();
}

static void free_config(struct config *c) {
    free(c->argv);
    free(c->envp);
    free(c->cgroup_procs);
    free(c->mounts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct stream st = {data, size};
    for (uint8_t msg[MESSAGE_SIZE]; take(&st, msg, sizeof msg) == 0;) {
        uint32_t kind;
        int32_t abc[3];
        if (status_parse(msg, &kind, abc) == 0) sink += kind + (size_t)(uint32_t)abc[0] + (size_t)(uint32_t)abc[2];
    }
    struct stream s = {data, size};
    uint8_t hdr[HEADER_SIZE];
    uint32_t kind, len;
    int detail;
    if (take(&s, hdr, sizeof hdr) != 0 || header_parse(hdr, &kind, &len, &detail) != 0) return 0;
    if (kind == MSG_WARM) {
        uint8_t *body = take_body(&s, len);
        if (body == NULL) return 0;
        struct warm w;
        int err = warm_parse(body, len, &w);
        if (err == 0) {
            use_strv((char **)w.cgroup_procs, w.ncgroups);
            free(w.cgroup_procs);
        }
        free(body);
        if (err != 0) return 0;
        if (take(&s, hdr, sizeof hdr) != 0 || header_parse(hdr, &kind, &len, &detail) != 0) return 0;
    }
    if (kind == MSG_DETACH) {
        uint8_t *dbody = take_body(&s, len);
        if (dbody == NULL) return 0;
        struct detach d;
        int derr = detach_parse(dbody, len, &d);
        if (derr == 0) sink += strlen(d.dir) + d.log_cap + d.timeout_ms;
        free(dbody);
        if (derr != 0) return 0;
        if (take(&s, hdr, sizeof hdr) != 0 || header_parse(hdr, &kind, &len, &detail) != 0) return 0;
    }
    if (kind != MSG_CONFIG) return 0;
    uint8_t *body = take_body(&s, len);
    if (body == NULL) return 0;
    struct config cfg;
    int err = config_parse(body, len, &cfg);
    if (err == 0) use_config(&cfg);
    uint8_t *exec_body = NULL;
    if (err == 0 && (cfg.flags & CFG_DEFER_EXEC)) {
        uint8_t ehdr[HEADER_SIZE];
        uint32_t ekind, elen;
        if (take(&s, ehdr, sizeof ehdr) == 0 && header_parse(ehdr, &ekind, &elen, &detail) == 0 && ekind == MSG_EXEC
                && (exec_body = take_body(&s, elen)) != NULL) {
            char **argv = cfg.argv, **envp = cfg.envp;
            if (exec_parse(exec_body, elen, &cfg) == 0) {
                free(argv);
                free(envp);
                use_config(&cfg);
            }
        }
    }
    if (err == 0) {
        uint8_t cmd[COMMAND_SIZE];
        while (take(&s, cmd, sizeof cmd) == 0) {
            uint32_t ckind;
            int32_t arg;
            if (command_parse(cmd, &ckind, &arg) == 0) sink += (size_t)ckind + (size_t)(uint32_t)arg;
        }
    }
    free_config(&cfg);
    free(exec_body);
    free(body);
    return 0;
}
