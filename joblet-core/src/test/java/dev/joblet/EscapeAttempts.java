package dev.joblet;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The escape suite's attempts: each is Python run inside a job that performs one attack through
 * {@code attempt(fn, errnos...)}: the job prints {@code ESCAPED} and exits 1 if the attack works, prints
 * {@code blocked <ERRNO>} and exits 0 if it fails with one of the expected errnos, and exits 2 on any
 * other outcome. {@code HOST_PID} (a process of the host) is substituted before the run.
 */
final class EscapeAttempts {
    record Attempt(String name, String python, UnaryOperator<JobSpec.Builder> spec) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String PRELUDE = String.join("\n",
            "import ctypes, errno, os, socket, sys, resource, fcntl, struct",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "def sc(nr, *a):",
            "    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(x) if isinstance(x, int) else x for x in a])",
            "    if r < 0:",
            "        e = ctypes.get_errno(); raise OSError(e, os.strerror(e))",
            "    return r",
            "def attempt(fn, *names):",
            "    try:",
            "        fn()",
            "    except OSError as e:",
            "        n = errno.errorcode.get(e.errno, str(e.errno))",
            "        print('blocked', n); sys.exit(0 if n in names else 2)",
            "    print('ESCAPED'); sys.exit(1)",
            "def must(cond, what):",
            "    if not cond: print('ESCAPED', what); sys.exit(1)",
            "    print('blocked', what); sys.exit(0)",
            "");

    private static Attempt py(String name, String body) {
        return new Attempt(name, body, b -> b);
    }

    private static Attempt py(String name, String body, UnaryOperator<JobSpec.Builder> spec) {
        return new Attempt(name, body, spec);
    }

    /** A system call by number that must fail with EPERM (seccomp, or missing capabilities). */
    private static Attempt syscall(String name, int nr, String args) {
        return py(name, "attempt(lambda: sc(" + nr + (args.isEmpty() ? "" : ", " + args) + "), 'EPERM')");
    }

    static List<Attempt> all() {
        List<Attempt> a = new ArrayList<>();
        // Host files outside the runtime.
        a.add(py("read /root", "attempt(lambda: os.listdir('/root'), 'ENOENT')"));
        a.add(py("read /home", "attempt(lambda: os.listdir('/home'), 'ENOENT')"));
        a.add(py("read host /tmp marker", "must(not os.path.exists('/tmp/HOST_MARKER'), 'host /tmp')"));
        a.add(py("read /etc/shadow", "attempt(lambda: open('/etc/shadow').read(), 'ENOENT')"));
        a.add(py("host root through /proc/1/root", "must(sorted(os.listdir('/proc/1/root')) == sorted(os.listdir('/'))"
                + " and not os.path.exists('/proc/1/root/root'), '/proc/1/root is the job root')"));
        a.add(py("host process in /proc", "attempt(lambda: open('/proc/HOST_PID/environ').read(), 'ENOENT')"));
        a.add(py("chroot syscall", "attempt(lambda: os.chroot('/tmp'), 'EPERM')"));
        a.add(py("fchdir and .. above the root", "fd = os.open('/', os.O_RDONLY); os.mkdir('/tmp/d'); os.chdir('/tmp/d');"
                + " os.fchdir(fd); [os.chdir('..') for _ in range(64)];"
                + " must(os.stat('.').st_ino == os.stat('/').st_ino and not os.path.exists('root'), '.. stops at the job root')"));
        a.add(py("open_by_handle_at", "attempt(lambda: sc(304, -100, ctypes.create_string_buffer(b'\\x08\\0\\0\\0\\x01\\0\\0\\0'"
                + " + b'\\x02\\0\\0\\0\\0\\0\\0\\0'), 0), 'EPERM')"));
        // Mounts.
        a.add(syscall("mount tmpfs", 165, "b'tmpfs', b'/tmp', b'tmpfs', 0, 0"));
        a.add(syscall("remount the root read-write", 165, "0, b'/', 0, 0x20 | 0x1000, 0"));
        a.add(syscall("umount /proc (reveal what it covers)", 166, "b'/proc/sys', 2"));
        a.add(syscall("pivot_root", 155, "b'/tmp', b'/tmp'"));
        a.add(syscall("new mount API: fsopen", 430, "b'tmpfs', 0"));
        a.add(syscall("open_tree clone of /", 428, "-100, b'/', 1"));
        // Devices, /sys, /proc/sys.
        a.add(py("mknod a block device", "attempt(lambda: os.mknod('/tmp/sda', 0o60600, os.makedev(8, 0)), 'EPERM')"));
        a.add(py("host disk /dev/sda", "attempt(lambda: open('/dev/sda', 'rb'), 'ENOENT')"));
        a.add(py("kernel memory /dev/mem", "attempt(lambda: open('/dev/mem', 'rb'), 'ENOENT')"));
        a.add(py("write /sys (no host /sys)", "attempt(lambda: open('/sys/kernel/uevent_helper', 'w'), 'ENOENT')"));
        a.add(syscall("mount sysfs", 165, "b'sysfs', b'/tmp', b'sysfs', 0, 0"));
        a.add(py("write /proc/sys", "attempt(lambda: open('/proc/sys/kernel/core_pattern', 'w').write('|/x'), 'EROFS', 'EACCES')"));
        a.add(py("write /proc/sysrq-trigger", "attempt(lambda: open('/proc/sysrq-trigger', 'w').write('b'), 'EACCES', 'ENOENT')"));
        a.add(py("read /proc/kcore", "attempt(lambda: open('/proc/kcore', 'rb').read(16), 'EACCES', 'ENOENT')"));
        a.add(py("read /proc/keys", "attempt(lambda: open('/proc/keys').read(), 'EACCES')"));
        a.add(py("read /proc/kallsyms", "attempt(lambda: open('/proc/kallsyms').read(64), 'EACCES')"));
        a.add(py("read /proc/timer_list", "attempt(lambda: open('/proc/timer_list').read(64), 'EACCES')"));
        a.add(py("write the read-only runtime", "attempt(lambda: open('/usr/bin/evil', 'w'), 'EROFS', 'EACCES')"));
        // Kernel.
        a.add(syscall("init_module", 175, "0, 0, b''"));
        a.add(syscall("finit_module", 313, "0, b'', 0"));
        a.add(syscall("delete_module", 176, "b'ext4', 0"));
        a.add(syscall("kexec_load", 246, "0, 0, 0, 0"));
        a.add(syscall("reboot", 169, "0xfee1dead, 672274793, 0x4321fedc, 0"));
        a.add(syscall("swapon", 167, "b'/tmp/swap', 0"));
        a.add(syscall("clock_settime", 227, "0, ctypes.create_string_buffer(16)"));
        a.add(syscall("settimeofday", 164, "ctypes.create_string_buffer(16), 0"));
        a.add(syscall("syslog (read the kernel log)", 103, "3, ctypes.create_string_buffer(64), 64"));
        a.add(syscall("iopl", 172, "3"));
        a.add(syscall("personality ADDR_NO_RANDOMIZE", 135, "0x0040000"));
        a.add(syscall("keyctl", 250, "0, -3, 0, 0, 0"));
        a.add(syscall("add_key", 248, "b'user', b'k', b'v', 1, -3"));
        a.add(syscall("bpf", 321, "0, ctypes.create_string_buffer(128), 128"));
        a.add(syscall("perf_event_open", 298, "ctypes.create_string_buffer(128), 0, -1, -1, 0"));
        a.add(syscall("userfaultfd", 323, "0"));
        a.add(syscall("io_uring_setup", 425, "8, ctypes.create_string_buffer(120)"));
        a.add(syscall("sethostname (host's or its own)", 170, "b'pwned', 5"));
        // Namespaces and privileges.
        a.add(syscall("unshare a user namespace to regain capabilities", 272, "0x10000000"));
        a.add(syscall("unshare a mount namespace", 272, "0x00020000"));
        a.add(syscall("setns into the host's namespaces", 308, "os.open('/proc/1/ns/mnt', os.O_RDONLY), 0"));
        a.add(py("clone with CLONE_NEWUSER", "attempt(lambda: sc(56, 0x10000000 | 17, 0, 0, 0, 0), 'EPERM')"));
        // EPERM without CAP_SETUID; EINVAL in rootless mode, where uid 0 has no mapping in the job's user namespace.
        a.add(py("become host root with setuid(0)", "try:\n    os.setuid(0)\nexcept OSError as e:\n    print('blocked',"
                + " errno.errorcode[e.errno]); sys.exit(0 if e.errno in (errno.EPERM, errno.EINVAL) else 2)\n"
                + "m = open('/proc/self/uid_map').read().split()\n"
                + "must(m[0] == '0' and m[1] != '0', 'root in here is host uid ' + m[1])"));
        a.add(py("setuid binary (su, nosuid + no_new_privs)", "import subprocess; r = subprocess.run(['/usr/bin/su', '-c', 'id -u'],"
                + " input=b'', capture_output=True); must(r.returncode != 0 and b'0\\n' != r.stdout, 'su failed: '"
                + " + r.stderr.decode().strip())"));
        a.add(py("no capabilities in any set", "s = open('/proc/self/status').read();"
                + " must(all(l.split()[1] == '0000000000000000' for l in s.splitlines() if l.startswith('Cap')), 'no caps')"));
        a.add(py("raise the hard fd limit", "try:\n    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 1 << 20))\n"
                + "    print('ESCAPED'); sys.exit(1)\nexcept ValueError as e:\n    print('blocked', e); sys.exit(0)"));
        // Processes of the host.
        a.add(py("see host processes", "pids = [int(p) for p in os.listdir('/proc') if p.isdigit()];"
                + " must(HOST_PID not in pids and max(pids) < 100, 'only the job in /proc: ' + str(pids))"));
        a.add(py("signal a host process", "attempt(lambda: os.kill(HOST_PID, 9), 'ESRCH')"));
        a.add(py("ptrace a host process", "attempt(lambda: sc(101, 16, HOST_PID, 0, 0), 'ESRCH')"));
        a.add(py("signal the supervisor (PID 1 has no parent here)",
                "must(os.getppid() == 0, 'no parent visible'); attempt(lambda: os.kill(os.getppid() or 99999, 9), 'ESRCH')"));
        // Network.
        a.add(py("reach a server on the host's loopback",
                "attempt(lambda: socket.create_connection(('127.0.0.1', HOST_PORT), 2), 'ECONNREFUSED')"));
        a.add(py("raw socket", "attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1), 'EPERM')"));
        // EAFNOSUPPORT: seccomp's socket family rule; EPERM: no CAP_NET_RAW (the rule relaxed).
        a.add(py("packet socket", "attempt(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0), 'EAFNOSUPPORT',"
                + " 'EPERM')"));
        // cgroups.
        a.add(py("move out of its cgroup", "attempt(lambda: open('/sys/fs/cgroup/cgroup.procs', 'w').write('0'), 'ENOENT')"));
        a.add(syscall("mount cgroupfs to raise its own limits", 165, "b'cgroup2', b'/tmp', b'cgroup2', 0, 0"));
        // Resources.
        a.add(py("fork bomb", "n = 0\ntry:\n    while True:\n        if os.fork() == 0:\n            import time; time.sleep(60);"
                + " os._exit(0)\n        n += 1\nexcept OSError as e:\n    print('blocked after', n); sys.exit(0 if e.errno =="
                + " errno.EAGAIN and n < 64 else 2)", b -> b.pidsMax(64)));
        a.add(py("fill /tmp", "attempt(lambda: open('/tmp/big', 'wb').write(b'x' * (32 << 20)), 'ENOSPC')",
                b -> b.tmpSize(MemorySize.ofMegabytes(8))));
        a.add(py("fill /work", "attempt(lambda: open('/work/big', 'wb').write(b'x' * (32 << 20)), 'ENOSPC')",
                b -> b.workspaceSize(MemorySize.ofMegabytes(8))));
        a.add(py("fd exhaustion", "fds = []\ntry:\n    while True:\n        fds.append(os.open('/dev/null', os.O_RDONLY))\n"
                + "except OSError as e:\n    print('blocked after', len(fds)); sys.exit(0 if e.errno == errno.EMFILE and"
                + " len(fds) < 1024 else 2)"));
        // Leaks and terminals.
        a.add(py("inherited fds", "fds = sorted(int(f) for f in os.listdir('/proc/self/fd'));"
                + " must(fds[:3] == [0, 1, 2] and len(fds) == 4, 'only stdio: ' + str(fds))"));
        a.add(py("TIOCSTI on a terminal", "m, s = os.openpty(); attempt(lambda: fcntl.ioctl(s, 0x5412, b'x'), 'EPERM')"));
        a.add(py("controlling terminal of the host", "attempt(lambda: open('/dev/tty', 'w'), 'ENXIO')"));
        EscapeAttemptsPtys.addTo(a);
        EscapeAttemptsIdentity.addTo(a);
        EscapeAttemptsPools.addTo(a);
        EscapeAttemptsLinks.addTo(a);
        EscapeAttemptsSession.addTo(a);
        return a;
    }

    static Set<String> names() {
        Set<String> names = new java.util.HashSet<>();
        all().forEach(x -> names.add(x.name()));
        return names;
    }

    private EscapeAttempts() {}
}
