/*
 * joblet-helper: the native part of Joblet's launch path.
 *
 * The JVM posix_spawns this program with:
 *   fd 0, 1, 2  the job's stdin, stdout and stderr; with CFG_TTY, fd 0 is the console socket (AF_UNIX,
 *               SOCK_SEQPACKET) over which the child sends the master of the job's terminal (console.c)
 *   fd 3        control pipe (JVM -> helper): [MSG_WARM], MSG_CONFIG (or MSG_DISCARD), [MSG_EXEC], then
 *               MSG_SIGNAL commands (enum message below); EOF = the JVM is gone
 *   fd 4        status pipe (helper -> JVM): status-shaped messages, close-on-exec
 *   argv        exactly { "joblet-helper", HELPER_ARGV_MAGIC }
 *
 * The helper (the "supervisor") clones the job into new namespaces. The clone (the "child") builds the
 * job's root, drops what it must and execs the job command, which becomes PID 1 of its PID namespace.
 * Every failure before exec reaches die() (wire.c), which writes MSG_ERROR {stage, errno, detail} to the
 * status pipe (supervisor) or to a close-on-exec error pipe (child), whose EOF means exec succeeded. C reports
 * codes only; Java writes every message.
 *
 * The wire format is little-endian; the Java side is dev.joblet.namespaces.internal.Protocol (and Stage,
 * MountOp.Kind). HelperHeaderTest parses this file and fails when a constant here and its Java twin differ.
 */
#ifndef JOBLET_HELPER_H
#define JOBLET_HELPER_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#define HELPER_ARGV_MAGIC "--joblet-helper-v1"
#define PROTO_VERSION 1u
#define CONFIG_MAX_BYTES (1u << 20)

/*
 * The messages of the protocol, one member each. Every message opens with the same 8 bytes, { u32 kind,
 * u32 PROTO_VERSION }; a reader refuses any other version (EPROTONOSUPPORT, detail = the version it got). Kinds
 * are four ASCII letters read little-endian, so a dump of a pipe shows them. Three shapes:
 *   header    { kind, version, u32 length } + body of length bytes (at most CONFIG_MAX_BYTES; header_parse)
 *   status    { kind, version, i32 a, i32 b, i32 c }: MESSAGE_SIZE bytes (send_msg, status_parse)
 *   command   { kind, version, i32 arg }: COMMAND_SIZE bytes (command_parse)
 */
enum message {
    /* JVM -> supervisor, control pipe, first (optional): a pre-spawned ("warm") helper's body is { u32 warm flags,
     * u32 n, n x string cgroup.procs file }. The supervisor joins those cgroups and, with WARM_NEWNET, a new network
     * namespace itself, answers MSG_READY, then reads the MSG_CONFIG as usual (whose cgroup list is then empty: the
     * job inherits the supervisor's cgroups through clone). Header shape. */
    MSG_WARM = 0x4D524157,    /* "WARM" */
    /* JVM -> supervisor, control pipe: the job to start (config.c parses the body). Header shape. */
    MSG_CONFIG = 0x544C424A,  /* "JBLT" */
    /* JVM -> supervisor (or, after MSG_READY of a CFG_DEFER_EXEC child, the child), control pipe, instead of the
     * next message: the prepared helper is not wanted; exit at once, quietly, starting nothing. Plain EOF instead
     * may mean the JVM died (hostfds.c then removes the cgroups the helper joined). Header shape, length 0. */
    MSG_DISCARD = 0x504F5244, /* "DROP" */
    /* JVM -> child, control pipe, after MSG_READY of a CFG_DEFER_EXEC helper whose root is built: body = { string
     * hostname, string workdir, strings argv, strings envp } (exec_parse). Header shape. */
    MSG_EXEC = 0x43455845,    /* "EXEC" */
    /* JVM -> supervisor, control pipe, after MSG_STARTED: send signal arg to the job's PID 1. Command shape. */
    MSG_SIGNAL = 0x4C474953,  /* "SIGL" */
    /* supervisor -> JVM, status pipe: the warm helper joined its cgroups (and network namespace), or with
     * CFG_DEFER_EXEC its child built the job's root; it awaits the next message. Status shape, a = b = c = 0. */
    MSG_READY = 0x59444552,   /* "REDY" */
    /* supervisor -> JVM, status pipe: the job exec'd; a = its PID in the JVM's PID namespace. Status shape. */
    MSG_STARTED = 0x54525453, /* "STRT" */
    /* supervisor -> JVM (status pipe), and child -> supervisor (error pipe; the supervisor relays it as it is):
     * a step failed, a = stage, b = errno, c = detail; the sender exits. Written by die() only. Status shape. */
    MSG_ERROR = 0x4C494146,   /* "FAIL" */
    /* supervisor -> JVM, status pipe: the job's PID 1 ended; a = si_code (CLD_EXITED / CLD_KILLED / CLD_DUMPED),
     * b = si_status; c = errno when waitid failed (a = b = 0 then). The supervisor exits next. Status shape. */
    MSG_EXIT = 0x54495845,    /* "EXIT" */
    /* child -> supervisor, error pipe (CFG_DEFER_EXEC): the root is built, the child awaits MSG_EXEC; the
     * supervisor answers the JVM MSG_READY. Status shape, a = b = c = 0. */
    MSG_ROOT_BUILT = 0x544F4F52, /* "ROOT" */
    /* supervisor -> child, sync pipe (SEC_USERNS): the child's uid_map and gid_map are written, go on. The child
     * waits for it before anything else; EOF instead means the supervisor failed (and reports why). Header shape
     * without a body: { kind, version }. */
    MSG_MAPS_WRITTEN = 0x5350414D, /* "MAPS" */
    /* JVM -> supervisor, control pipe, just before MSG_CONFIG (after MSG_WARM, never with one in practice): the job
     * is detached (detach.c). Body = { string state directory of the job, u32 log cap in bytes, u32 timeout in ms
     * (0 = none), u32 grace in ms, i32 a descriptor of the JVM's to keep until the job ends (its host identity's lock;
     * -1 = none), u64 when to start, in ms since the epoch (0 = now) } (detach_parse). A job to start later: the
     * supervisor answers MSG_STARTED with a = 0 at once and waits itself (schedule.c). The supervisor then forks once (its parent exits: the JVM reaps it), owns the
     * job's stdout and stderr, writes the job's log and status into the directory, ignores the control pipe after
     * MSG_STARTED (whose b is then the supervisor's pid) and kills the job on timeout. Header shape. */
    MSG_DETACH = 0x48435444, /* "DTCH" */
};

enum {
    MESSAGE_SIZE = 20, /* a status-shaped message */
    COMMAND_SIZE = 12, /* a command-shaped message */
    HEADER_SIZE = 12,  /* the header of a message with a body */
    GO_SIZE = 8,       /* MSG_MAPS_WRITTEN */
};

enum {
    WARM_NEWNET = 1u << 0, /* MSG_WARM: unshare the network namespace now; the job then clones without CLONE_NEWNET */
};
/* Config flag (a high bit, apart from the others): build the job's root now, then wait. The child sends
 * MSG_ROOT_BUILT on its error pipe (the supervisor answers MSG_READY), reads MSG_EXEC from the control pipe itself,
 * and goes on with the hostname, the privilege drop and exec. EOF or MSG_DISCARD instead: it exits quietly. */
#define CFG_DEFER_EXEC (1u << 16)
/* With CFG_DEFER_EXEC: everything that depends only on the root and the security settings is done before the
 * wait (the hostname of the config, which the JVM makes the job's own, rlimits, no_new_privs, the bounding and
 * ambient sets) and with this flag the seccomp filter too; after the command only a different hostname (refused
 * by a filter that denies sethostname: the JVM only sends the prepared one), chdir, the ids, the capability sets,
 * close_range and exec remain. The JVM sets the flag only for filters that allow read, write and chdir. */
#define CFG_EARLY_SECCOMP (1u << 17)


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
    ST_CGROUP_NAMESPACE = 5, /* unshare(CLONE_NEWCGROUP) */
    ST_MOUNT_PRIVATE = 6,
    ST_ROOT = 7,         /* tmpfs for the new root at the staging directory */
    ST_MOUNT = 8,        /* detail = mount index */
    ST_ROOT_READONLY = 9,
    ST_PIVOT_ROOT = 10,
    ST_HOSTNAME = 11,
    ST_LOOPBACK = 12,
    ST_CHDIR = 13,
    ST_AFFINITY = 14,
    ST_SIGNALS = 15,     /* the parent-death signal (child) */
    ST_NO_NEW_PRIVS = 16,
    ST_FDS = 17,
    ST_EXEC = 18,
    ST_PIPE = 19,        /* helper-internal pipe */
    ST_RLIMITS = 20,     /* setrlimit; detail = index of the limit */
    ST_CAPS = 21,        /* detail 0: bounding and ambient sets, 1: the other capability sets (capset) */
    ST_IDS = 22,         /* setgroups, setresgid, setresuid */
    ST_SECCOMP = 23,     /* installing the seccomp filter */
    ST_MASK_PROC = 24,   /* hiding or freezing parts of /proc; detail = mount index */
    ST_USERNS = 25,      /* the job's user namespace; detail 0: writing its setgroups, uid_map and gid_map, 1:
                          * sending MSG_MAPS_WRITTEN (supervisor); 2 (3): setresgid (setresuid) inside it (child) */
    ST_NETNS = 26,       /* setns into the network namespace prepared by the JVM */
    ST_TTY = 27,         /* the job's terminal (console.c); detail: 0 open /dev/pts/ptmx, 1 unlock and open the
                          * slave, 2 chown it, 3 send the master, 4 setsid and TIOCSCTTY, 5 dup2 onto stdio,
                          * 6 set its size (TIOCSWINSZ) */
    ST_INIT = 28,        /* CFG_INIT (init.c); detail: 0 sigprocmask, 1 fork, 2 setpgid, 3 tcsetpgrp */
    ST_SESSION = 29,     /* setsid: a session of its own; detail 0 the supervisor, 1 the child */
    ST_PRIORITY = 30,    /* a warm helper back to the JVM's priority; detail 0 the supervisor, 1 the child */
    ST_NEW_NETWORK = 31, /* MSG_WARM with WARM_NEWNET: unshare(CLONE_NEWNET) by the supervisor */
    ST_FETCH_FD = 32,    /* pidfd_getfd of a descriptor the JVM holds (MNT_MOVE); detail = mount index */
    ST_LOGINUID = 33,    /* fixing the loginuid the job inherits (security.c lock_loginuid) */
    ST_DETACH = 34,      /* MSG_DETACH (detach.c); detail: 0 open the state directory, 1 open its log, 2 the output
                          * pipes, 3 fork, 4 write the status file, 5 pidfd_getfd of the descriptor to keep, 6 the
                          * signalfd of a scheduled job's wait (schedule.c) */
};

/* Security flags (the word after the cpumask). */
enum {
    SEC_MASK_PROC = 1u << 0,      /* mask kcore, keys, timer_list...; /proc/sys and friends read-only */
    SEC_USERNS = 1u << 1,         /* clone into a new user namespace; the supervisor writes the id maps */
    SEC_SETGROUPS_DENY = 1u << 2, /* write "deny" to setgroups before gid_map (unprivileged supervisor) */
};

#define ID_KEEP 0xFFFFFFFFu /* uid or gid: leave unchanged */
#define CAPS_ALL (~(uint64_t)0) /* caps_keep: change no capability set */

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
    /* CFG_TTY: the terminal's size, set before the command starts (console.c); 0 x 0 = left as the kernel makes it.
     * On the wire one u32, rows << 16 | columns. */
    uint16_t tty_rows, tty_cols;
};

/* config.c: parse the message body; returns 0 or an errno value. The config points into buf. */
int config_parse(uint8_t *buf, size_t len, struct config *cfg);

/* config.c: parse the body of a CFG_DEFER_EXEC exec message into cfg (hostname, workdir, argv, envp); 0 or an
 * errno value. */
int exec_parse(uint8_t *buf, size_t len, struct config *cfg);

/* config.c: the other messages the helper reads from the control pipe. Each parser only reads the buffer it is
 * given, never more than len bytes, and returns 0 or an errno value; the caller decides how to die. Together
 * with config_parse and exec_parse they are everything the helper parses (src/test/fuzz fuzzes them all). */
/* The HEADER_SIZE header of a message with a body (MSG_WARM, MSG_CONFIG, MSG_EXEC, MSG_DISCARD): kind, version,
 * body length. EBADMSG (another kind), EPROTONOSUPPORT (*detail = the version) or EMSGSIZE (over
 * CONFIG_MAX_BYTES). */
int header_parse(const uint8_t hdr[HEADER_SIZE], uint32_t *kind, uint32_t *len, int *detail);
/* The body of a warm message: flags and the cgroup.procs files to join (each shorter than PATH_MAX). */
struct warm {
    uint32_t flags;
    uint32_t ncgroups;
    const char **cgroup_procs; /* calloc'ed, NULL-terminated; the strings point into buf */
};
int warm_parse(uint8_t *buf, size_t len, struct warm *w);
/* A command (MSG_SIGNAL): 0 for a known one, EINVAL for any other kind, EPROTONOSUPPORT for another version
 * (the supervisor ignores both). */
int command_parse(const uint8_t msg[COMMAND_SIZE], uint32_t *kind, int32_t *arg);
/* A status-shaped message of the given kinds from a pipe (the child's error pipe): 0, EBADMSG (another kind) or
 * EPROTONOSUPPORT. */
int status_parse(const uint8_t msg[MESSAGE_SIZE], uint32_t *kind, int32_t abc[3]);

/* sandbox.c: runs in the child; never returns. Its failures die() on errfd. */
_Noreturn void child_main(const struct config *cfg, int errfd, const int *cgroup_fds);
/* main.c: a warm helper prepares at the lowest priority; back to the JVM's (0, or -1 with errno). */
int restore_priority(void);

/* console.c: the job's terminal, from its own devpts (CFG_TTY; child only, after pivot_root); dies on failure. */
void make_console(const struct config *cfg);

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

/*
 * wire.c: the pipes, and one way to die.
 *
 * die() is the only way the supervisor or the child fails before exec: it writes MSG_ERROR {stage, err, detail} to
 * the pipe set by die_on() (the status pipe in the supervisor, the close-on-exec error pipe in the child, which the
 * supervisor relays) and _exits. The printf-style text names the failed call for a reader of the code; a build with
 * -DJOBLET_HELPER_TRACE also prints it (with errno) to stderr, which is the job's stderr. die_errno() is die() with
 * err = errno. Call sites stay one line: if (fd < 0) die_errno(ST_CGROUP_OPEN, i, "open %s", path);
 */
void die_on(int fd, int exit_code);
/* Also call hook(stage, err, detail) before die() reports (a scheduled detached job's supervisor records its failure
 * in the status file: no JVM reads its status pipe); die_on() clears it (the child reports on its own pipe). */
void die_also(void (*hook)(int stage, int err, int detail));
_Noreturn __attribute__((format(printf, 4, 5))) void die(int stage, int err, int detail, const char *fmt, ...);
_Noreturn __attribute__((format(printf, 3, 4))) void die_errno(int stage, int detail, const char *fmt, ...);
/* Exactly n bytes or -1: a short read is EBADMSG, an error its errno; EOF before the first byte returns 0 (errno
 * unchanged), else n. EINTR is retried. */
ssize_t read_exact(int fd, void *buf, size_t n);
/* All n bytes or -1 with errno (EINTR retried). */
int write_exact(int fd, const void *buf, size_t n);
/* A status-shaped message {kind, PROTO_VERSION, a, b, c} written whole, or -1 with errno. */
int send_msg(int fd, uint32_t kind, int32_t a, int32_t b, int32_t c);
uint32_t get_u32(const uint8_t *p);
void put_u32(uint8_t *p, uint32_t v);

/* Test builds: die at this stage here when the config asks for it (see fault_at). */
#define FAULT_POINT(cfg, stage, detail)                                                        \
    do {                                                                                       \
        int fault_ = fault_at((cfg), (stage));                                                 \
        if (fault_ != 0) die((stage), fault_, (detail), "fault injected at stage %d", (stage)); \
    } while (0)

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


/* detach.c: detached jobs (MSG_DETACH). */
struct detach {
    const char *dir;     /* the job's state directory (absolute) */
    uint32_t log_cap;    /* the most bytes the log file may hold, records included */
    uint32_t timeout_ms; /* 0 = none; then SIGTERM to the job */
    uint32_t grace_ms;   /* after the timeout's SIGTERM, SIGKILL this much later (at once if PID 1 ignores TERM) */
    int32_t keep_fd;     /* the JVM's descriptor number to copy (pidfd_getfd) and hold until the end; -1 = none */
    uint64_t start_at_ms; /* 0 = now; else the wall-clock time (ms since the epoch) the supervisor waits for */
};
/* config.c: the body of MSG_DETACH; 0 or an errno value. The strings point into buf. */
int detach_parse(uint8_t *buf, size_t len, struct detach *d);
/* Supervisor, before the clone: opens the directory and the log, makes the output pipes (dup2'ed onto 1 and 2,
 * which the child inherits as its stdout and stderr) and forks, the parent exiting at once. Dies on failure. */
void detach_begin(const struct config *cfg, const struct detach *d);
/* Supervisor, after the child exec'd: writes the status "running", answers MSG_STARTED, lets go of the JVM, then
 * logs the job's output until it ended, and writes its end. Never returns. */
_Noreturn void detach_supervise(const struct config *cfg, int pidfd, int pid);
/* detach.c, for schedule.c: the directory's lock taken (an fd whose close drops it; -1 with errno), the status
 * replaced (written beside, renamed; the caller holds the lock), the status written under the lock, the job's
 * cgroups removed, the supervisor's start time (field 22 of /proc/self/stat), a clock in ms. */
int detach_lock(void);
int detach_replace_status(const char *text);
int detach_write_status(const char *text);
void detach_remove_cgroups(const struct config *cfg);
/* usage.c: the number for key in file (NULL: a file of one number) from the job's cgroup directories, -1 when not
 * known; usage_format writes the final usage's status lines (key=value\n each) into out. */
long long usage_figure(const struct config *cfg, const char *file, const char *key);
int usage_format(const struct config *cfg, char *out, size_t size);
unsigned long long detach_start_time(void);
uint64_t detach_now_ms(clockid_t clock);
/* schedule.c: with start_at_ms, called by detach_begin in the supervisor (nobody's child by then): writes the status
 * "scheduled", answers MSG_STARTED with a = 0, lets go of the JVM and waits for the time. A cancel (SIGTERM, INT, HUP
 * or USR1 while waiting) removes the cgroups, records "cancelled" and exits; at the time, under the lock, it records
 * "starting" and returns with those signals still blocked (the child unblocks them; detach_supervise reads them).
 * From then on a failure is recorded in the status (die_also). Returns at once without start_at_ms. */
void detach_wait(const struct config *cfg, const struct detach *d);
/* procstatus.c: whether process pid catches or blocks SIGTERM (/proc/PID/status SigCgt, SigBlk); if neither, the
 * kernel drops a TERM sent to a namespace's init. 1 when unknown. */
int handles_term(int pid);

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
