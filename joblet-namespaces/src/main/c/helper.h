/*
 * joblet-helper: the native part of Joblet's launch path.
 *
 * The JVM posix_spawns this program with:
 *   fd 0, 1, 2  the job's stdin, stdout and stderr; with CFG_TTY, fd 0 is the console socket (AF_UNIX,
 *               SOCK_SEQPACKET) over which the child sends the master of the job's terminal (console.c)
 *   fd 3        control pipe (JVM -> helper): one config message, then commands; EOF = the JVM is gone
 *   fd 4        status pipe (helper -> JVM): fixed-size status messages, close-on-exec
 *   argv        exactly { "joblet-helper", HELPER_ARGV_MAGIC }
 *
 * The helper (the "supervisor") clones the job into new namespaces. The clone (the "child") builds the
 * job's root, drops what it must and execs the job command, which becomes PID 1 of its PID namespace.
 * Every failure before exec reaches die_stage(), which writes {stage, errno, detail} to a close-on-exec
 * pipe; EOF on that pipe means exec succeeded. C reports codes only; Java writes every message.
 *
 * The wire format is little-endian; the Java side is dev.joblet.namespaces.internal.Protocol.
 */
#ifndef JOBLET_HELPER_H
#define JOBLET_HELPER_H

#include <stdint.h>
#include <stddef.h>

#define HELPER_ARGV_MAGIC "--joblet-helper-v1"
#define PROTO_MAGIC 0x544C424Au /* "JBLT" */
#define PROTO_VERSION 1u
#define CONFIG_MAX_BYTES (1u << 20)
/* Optional first message of a pre-spawned ("warm") helper: { u32 WARM_MAGIC, u32 version, u32 length,
 * body = { u32 warm flags, u32 n, n x string cgroup.procs file } }. The supervisor joins those cgroups and,
 * with WARM_NEWNET, a new network namespace itself, answers MSG_READY, then waits for the config as usual
 * (whose cgroup list is then empty: the job inherits the supervisor's cgroups through clone). */
#define WARM_MAGIC 0x4D524157u /* "WARM" */
enum {
    WARM_NEWNET = 1u << 0, /* unshare the network namespace now; the job then clones without CLONE_NEWNET */
};
/* Config flag (a high bit, apart from the others): build the job's root now, then wait. The child reports
 * {0, 0, 0} on its error pipe (the supervisor answers MSG_READY), reads { u32 EXEC_MAGIC, u32 length, body =
 * { string hostname, string workdir, strings argv, strings envp } } from the control pipe itself, and goes on
 * with the hostname, the privilege drop and exec. EOF instead: it exits quietly (the pool discarded it). */
#define CFG_DEFER_EXEC (1u << 16)
/* With CFG_DEFER_EXEC: everything that depends only on the root and the security settings is done before the
 * wait (the hostname of the config, which the JVM makes the job's own, rlimits, no_new_privs, the bounding and
 * ambient sets) and with this flag the seccomp filter too; after the command only a different hostname (refused
 * by a filter that denies sethostname: the JVM only sends the prepared one), chdir, the ids, the capability sets,
 * close_range and exec remain. The JVM sets the flag only for filters that allow read, write and chdir. */
#define CFG_EARLY_SECCOMP (1u << 17)
#define EXEC_MAGIC 0x43455845u /* "EXEC" */


enum {
    CTL_FD = 3,
    STATUS_FD = 4,
};

/* Config flags. */
enum {
    CFG_NEWNET = 1u << 0,      /* new network namespace with only lo (up) */
    CFG_NO_NEW_PRIVS = 1u << 1,
    CFG_ROOT_READONLY = 1u << 2,
    CFG_NEWCGROUP = 1u << 3,   /* new cgroup namespace once the job is in its cgroup */
    CFG_TTY = 1u << 4,         /* a terminal of the job's devpts as stdio and controlling terminal (console.c) */
    CFG_INIT = 1u << 5,        /* init.c is PID 1 (forwards signals, reaps orphans); the command is PID 2 */
};

/* Mount operations, applied in order inside the new root (targets are absolute paths in the job's view). */
enum mount_kind {
    MNT_BIND = 1,    /* source (host path) -> target; a symlink source is recreated as the same symlink */
    MNT_TMPFS = 2,   /* tmpfs at target, data = mount options */
    MNT_PROC = 3,    /* fresh proc for the job's PID namespace */
    MNT_DEV = 4,     /* minimal /dev: null zero full random urandom tty, pts, shm, standard symlinks; data =
                      * options added to its devpts' (e.g. "max=64": the most ptys the job may hold at once) */
    MNT_DIR = 5,     /* mkdir target (mode 0755) */
    MNT_SYMLINK = 6, /* symlink source -> target */
    MNT_MOVE = 7,    /* the detached mount (fsmount) the JVM holds as fd number source, moved to target (hostfds.c) */
    MNT_NAMED_FILE = 8, /* a read-only file at target: data, then the job's hostname and a newline (jobfiles.c) */
};

enum {
    MF_READONLY = 1u << 0,
    MF_OPTIONAL = 1u << 1, /* skip when the source does not exist */
    MF_RECURSIVE = 1u << 2,
};

/* Stages reported with a failure (detail = index of the mount or cgroup file, else 0). */
enum stage {
    ST_CONFIG = 1,       /* reading or parsing the config message */
    ST_CGROUP_OPEN = 2,  /* opening a cgroup.procs file or v2 directory */
    ST_CLONE = 3,        /* clone3 into new namespaces */
    ST_CGROUP_JOIN = 4,  /* writing to cgroup.procs */
    ST_CGROUP_NS = 5,    /* unshare(CLONE_NEWCGROUP) */
    ST_MOUNT_PRIVATE = 6,
    ST_ROOT = 7,         /* tmpfs for the new root at the staging directory */
    ST_MOUNT = 8,        /* detail = mount index */
    ST_ROOT_READONLY = 9,
    ST_PIVOT_ROOT = 10,
    ST_HOSTNAME = 11,
    ST_LOOPBACK = 12,
    ST_CHDIR = 13,
    ST_AFFINITY = 14,
    ST_SIGNALS = 15,
    ST_NO_NEW_PRIVS = 16,
    ST_FDS = 17,
    ST_EXEC = 18,
    ST_PIPE = 19,        /* helper-internal pipe */
    ST_RLIMITS = 20,     /* setrlimit; detail = index of the limit */
    ST_CAPS = 21,        /* bounding set, ambient set, keepcaps, capset */
    ST_IDS = 22,         /* setgroups, setresgid, setresuid */
    ST_SECCOMP = 23,     /* installing the seccomp filter */
    ST_MASK_PROC = 24,   /* hiding or freezing parts of /proc; detail = mount index */
    ST_USERNS = 25,      /* writing the job's uid_map / gid_map (supervisor) */
    ST_NETNS = 26,       /* setns into the network namespace prepared by the JVM */
    ST_TTY = 27,         /* the job's terminal (console.c); detail: 0 open /dev/pts/ptmx, 1 unlock and open the
                          * slave, 2 chown it, 3 send the master, 4 setsid and TIOCSCTTY, 5 dup2 onto stdio */
    ST_INIT = 28,        /* CFG_INIT (init.c); detail: 0 sigprocmask, 1 fork, 2 setpgid, 3 tcsetpgrp */
};

/* Security flags (the word after the cpumask). */
enum {
    SEC_MASK_PROC = 1u << 0,      /* mask kcore, keys, timer_list...; /proc/sys and friends read-only */
    SEC_USERNS = 1u << 1,         /* clone into a new user namespace; the supervisor writes the id maps */
    SEC_SETGROUPS_DENY = 1u << 2, /* write "deny" to setgroups before gid_map (unprivileged supervisor) */
};

#define ID_KEEP 0xFFFFFFFFu /* uid or gid: leave unchanged */
#define CAPS_ALL (~(uint64_t)0) /* caps_keep: change no capability set */

/* Status messages (helper -> JVM): 16 bytes, { u32 type, i32 a, i32 b, i32 c }. */
enum status_type {
    MSG_STARTED = 1, /* a = the job's PID in the JVM's PID namespace */
    MSG_ERROR = 2,   /* a = stage, b = errno, c = detail */
    MSG_EXIT = 3,    /* a = si_code (CLD_EXITED / CLD_KILLED / CLD_DUMPED), b = si_status */
    MSG_READY = 4,   /* a warm helper has joined its cgroups (and network namespace) and awaits the config */
};

/* Control commands (JVM -> helper after the config): 8 bytes, { u32 cmd, i32 arg }. */
enum control_cmd {
    CMD_SIGNAL = 1, /* send signal arg to the job's PID 1 */
};

struct mount_op {
    uint32_t kind;
    uint32_t flags;
    const char *source;
    const char *target;
    const char *data;
    int fd; /* MNT_MOVE: the supervisor's copy of the JVM's descriptor (fetch_jvm_fds); -1 until fetched */
};

struct config {
    uint32_t flags;
    uint32_t fault; /* test builds: (errno << 8) | stage to fail at; 0 = none */
    const char *staging;
    const char *hostname;
    const char *workdir;
    char **argv;
    char **envp;
    uint32_t ncgroups;
    const char **cgroup_procs;
    const char *cgroup2_dir; /* "" when none */
    uint32_t nmounts;
    struct mount_op *mounts;
    uint32_t cpumask_len; /* bytes in cpumask; 0 = no affinity */
    const uint8_t *cpumask;
    /* Appended fields (security): */
    uint32_t secflags;
    uint32_t uid, gid;          /* the job's ids inside; ID_KEEP = unchanged */
    uint64_t caps_keep;         /* capabilities kept (bit n = capability n); 0 = none */
    uint32_t nrlimits;
    const uint8_t *rlimits;     /* nrlimits x { u32 resource, u64 soft, u64 hard } little-endian */
    uint32_t seccomp_len;       /* instructions (8 bytes each); 0 = no filter */
    const uint8_t *seccomp;     /* struct sock_filter[] as built by Java */
    const char *uid_map;        /* SEC_USERNS: contents of /proc/<pid>/uid_map */
    const char *gid_map;
    const char *netns; /* path of a network namespace to join instead of a new one; "" = none */
};

/* config.c: parse the message body; returns 0 or an errno value. The config points into buf. */
int config_parse(uint8_t *buf, size_t len, struct config *cfg);

/* config.c: parse the body of a CFG_DEFER_EXEC exec message into cfg (hostname, workdir, argv, envp); 0 or an
 * errno value. */
int exec_parse(uint8_t *buf, size_t len, struct config *cfg);

/* config.c: the other messages the helper reads from the control pipe. Each parser only reads the buffer it is
 * given, never more than len bytes, and returns 0 or an errno value; the caller decides how to die. Together
 * with config_parse and exec_parse they are everything the helper parses (src/test/fuzz fuzzes them all). */
/* The 12-byte header of a config or warm message: magic, version, body length. EBADMSG (unknown magic),
 * EPROTONOSUPPORT (*detail = the version) or EMSGSIZE (over CONFIG_MAX_BYTES). */
int header_parse(const uint8_t hdr[12], uint32_t *magic, uint32_t *len, int *detail);
/* The body of a warm message: flags and the cgroup.procs files to join (each shorter than PATH_MAX). */
struct warm {
    uint32_t flags;
    uint32_t ncgroups;
    const char **cgroup_procs; /* calloc'ed, NULL-terminated; the strings point into buf */
};
int warm_parse(uint8_t *buf, size_t len, struct warm *w);
/* The 8-byte header of an exec message: EXEC_MAGIC and the body length (at most CONFIG_MAX_BYTES), else EBADMSG. */
int exec_header_parse(const uint8_t hdr[8], uint32_t *len);
/* An 8-byte control command: 0 for a known one, EINVAL for any other (which the supervisor ignores). */
int command_parse(const uint8_t msg[8], uint32_t *cmd, int32_t *arg);

/* sandbox.c: runs in the child; never returns. */
_Noreturn void child_main(const struct config *cfg, int errfd, const int *cgroup_fds);
/* main.c: a warm helper prepares at the lowest priority; back to the JVM's (0, or -1 with errno). */
int restore_priority(void);

/* console.c: the job's terminal, from its own devpts (CFG_TTY; child only, after pivot_root); dies on failure. */
void make_console(const struct config *cfg, int errfd);

/* security.c: each returns 0 or -1 with errno. */
int mask_proc(char *proc_dir);

/* rootfs.c: the job's root (child only). */
const char *in_root(const struct config *cfg, const char *target);
void ro_templates(const struct config *cfg);
int do_mount(const struct mount_op *m, char *dst);
int apply_rlimits(const struct config *cfg, uint32_t *failed_index);
int drop_bounding_and_ambient(uint64_t keep);
int set_ids(const struct config *cfg);
int lock_loginuid(const struct config *cfg);
int set_caps(uint64_t keep);
int install_seccomp(const struct config *cfg);
int remount_ro(const char *dst, unsigned long extra);
int remount_bind(const char *dst, unsigned long flags);

/* hostfds.c: host paths resolved once and used through descriptors, and what the host keeps of a job whose JVM
 * is gone. Each returns 0 (or a descriptor) or -1 with errno, unless said otherwise. */
int open_source(const char *path);           /* O_PATH, no link in any component; a link at the end itself */
int bind_from_fd(int fd, const char *dst, int recursive); /* open_tree(fd) clone, moved onto dst */
int watch_jvm(void);                         /* supervisor, at its start: a pidfd of the JVM (its parent) */
int fetch_jvm_fds(struct config *cfg, uint32_t *failed); /* supervisor: pidfd_getfd of each MNT_MOVE fd; 0 or errno */
void close_fetched_fds(struct config *cfg);  /* supervisor, once the child has its copies */
int move_fd_mount(const struct mount_op *m, char *dst); /* child: MNT_MOVE */
void remember_warm_cgroup(const char *procs_file); /* a cgroup.procs file a warm supervisor joined */
int jvm_gone(void);                          /* the control pipe's writer (the JVM) is gone */
void remove_orphaned_cgroups(const struct config *cfg); /* the JVM is gone and the job dead: its cgroups go */

/* jobfiles.c (child): MNT_NAMED_FILE at dst; and after a CFG_DEFER_EXEC wait that changed the hostname, the same
 * files rewritten for the new one. 0 or -1 with errno. */
int write_job_file(const struct config *cfg, const struct mount_op *m, char *dst);
int rename_job_files(const struct config *cfg);

/* init.c (CFG_INIT; each a no-op without it). Supervisor: the init pipe before the clone (0 or -1 with errno), its
 * write end closed after it, and once PID 1 is reaped, the command's end (as init reported it) put into si.
 * Child: become_init just before exec forks; it returns in the command (PID 2) and never in init (PID 1). */
#include <signal.h>
int init_prepare(const struct config *cfg);
void init_supervisor_side(void);
void init_exit_status(siginfo_t *si);
void become_init(const struct config *cfg, int errfd);

/* One way to die before exec: report {stage, errno, detail} on errfd and _exit. */
_Noreturn void die_stage(int errfd, int stage, int err, int detail);

/* Fault injection, compiled in only with -DJOBLET_FAULT_INJECTION (test builds): the errno to fail
 * the given stage with, or 0. */
static inline int fault_at(const struct config *cfg, int stage) {
#ifdef JOBLET_FAULT_INJECTION
    return (int)(cfg->fault & 0xffu) == stage ? (int)(cfg->fault >> 8) : 0;
#else
    (void)cfg; (void)stage;
    return 0;
#endif
}

#endif
