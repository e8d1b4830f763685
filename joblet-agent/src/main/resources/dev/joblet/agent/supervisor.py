# Joblet code-session supervisor: PID 1 of a session's job, run as `python3 -c <this> <python kernel> <bash kernel>
# <node kernel>`. It speaks frames with the host over the job's terminal (set raw first) and runs one kernel per
# language plus background processes as its children, each in its own session (no controlling terminal, so user
# code never writes into the protocol by accident). Frames, both ways: a header line `TYPE ID [ARG...] LEN\n`, then
# LEN bytes of payload.
#   host -> here: cell ID LANG TIMEOUT_MS LEN (code) | start ID LEN (bash command) | kill ID 0 | int ID 0
#   here -> host: ready 0 LEN (languages) | out/err ID LEN (output) | value ID LEN (repr of the last expression)
#                 | error ID LEN (name NL message NL traceback) | done ID LEN (status NL restarted 0|1 NL message)
#                 | exit ID LEN (exit N or signal N: a background process ended)
# Kernels read `LEN\n` + code on fd 3 and write `STATUS LEN\n` + payload on fd 4 (python: ok | value | error).
import os, sys, tty, select, signal, subprocess, time

KERNELS = {'python3': sys.argv[1], 'bash': sys.argv[2], 'node': sys.argv[3]}
GRACE = 1.0  # seconds between the timeout's SIGINT and the SIGKILL that restarts the kernel

def send(kind, ident, payload=b''):
    data = b'%s %s %d\n' % (kind.encode(), ident.encode(), len(payload)) + payload
    while data:
        n = os.write(1, data)
        data = data[n:]

def which(prog):
    for d in os.environ.get('PATH', '/usr/bin:/bin').split(':'):
        if d and os.access(os.path.join(d, prog), os.X_OK):
            return True
    return False

class Kernel:
    def __init__(self, lang):
        self.lang = lang
        cr, self.ctl = os.pipe()
        self.res, rw = os.pipe()
        if lang == 'python3':
            argv = [sys.executable, '-u', '-c', KERNELS[lang]]
        elif lang == 'bash':
            argv = ['bash', '--norc', '--noprofile', '-c', KERNELS[lang], 'bash']
        else:
            argv = ['node', '-e', KERNELS[lang]]
        env = dict(os.environ, JOBLET_KERNEL_IN=str(cr), JOBLET_KERNEL_OUT=str(rw))
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True, pass_fds=(cr, rw), env=env, cwd=os.getcwd())
        os.close(cr); os.close(rw)
        for fd in self.fds():
            os.set_blocking(fd, False)  # drain() may have emptied a pipe that select() saw readable
        self.buf = b''
        self.cell = None  # (id, deadline, interrupted_at)

    def submit(self, ident, code, timeout):
        self.cell = [ident, time.monotonic() + timeout, None]
        try:
            data = b'%d\n' % len(code) + code if self.lang == 'python3' else code + b'\0'
            while data:
                data = data[os.write(self.ctl, data):]
        except OSError:
            pass  # died: the EOF on its result pipe reports it

    def fds(self):
        return [self.res, self.proc.stdout.fileno(), self.proc.stderr.fileno()]

    def close(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        for fd in (self.ctl, self.res):
            try: os.close(fd)
            except OSError: pass
        self.proc.stdout.close(); self.proc.stderr.close()
        self.proc.wait()

kernels = {}
background = {}  # id -> Popen

def read(fd):
    """Up to 64 KiB from a non-blocking pipe: b'' at its end, None when it is empty for now."""
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return None

def drain(fd, kind, ident):
    while True:
        chunk = read(fd)
        if not chunk:
            return
        send(kind, ident, chunk)

def restart(k, status, why):
    ident = k.cell[0] if k.cell else None
    for fd, kind in ((k.proc.stdout.fileno(), 'out'), (k.proc.stderr.fileno(), 'err')):
        if ident: drain(fd, kind, ident)
    k.close()
    rc = k.proc.returncode
    how = 'signal %d' % -rc if rc is not None and rc < 0 else 'exit %s' % rc
    del kernels[k.lang]
    if ident:
        send('done', ident, ('%s\n1\n%s (%s %s); it was restarted, earlier state is lost' % (status, why, k.lang, how)).encode())
    if k.lang == 'python3':
        kernels[k.lang] = Kernel(k.lang)

def result(k):
    while True:
        nl = k.buf.find(b'\n')
        if nl < 0: return
        status, n = k.buf[:nl].split(b' ')
        n = int(n)
        if len(k.buf) < nl + 1 + n: return
        payload = k.buf[nl + 1:nl + 1 + n]
        k.buf = k.buf[nl + 1 + n:]
        ident = k.cell[0]
        drain(k.proc.stdout.fileno(), 'out', ident)
        drain(k.proc.stderr.fileno(), 'err', ident)
        if status == b'value':
            send('value', ident, payload)
        elif status == b'exc':
            send('error', ident, payload)
        else:
            st = 'timeout' if k.cell[2] is not None else status.decode()
            send('done', ident, st.encode() + b'\n0\n' + payload)
            k.cell = None

def main():
    tty.setraw(0)
    signal.signal(signal.SIGINT, lambda *a: None)  # not SIG_IGN: children would inherit it, and bash cannot trap it
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    kernels['python3'] = Kernel('python3')
    langs = ['python3'] + [l for l in ('bash', 'node') if which(l)]
    send('ready', '0', ' '.join(langs).encode())
    inbuf = b''
    while True:
        watch = {0: ('host', None)}
        for k in list(kernels.values()):
            watch[k.res] = ('res', k); watch[k.proc.stdout.fileno()] = ('kout', k); watch[k.proc.stderr.fileno()] = ('kerr', k)
        for ident, p in background.items():
            if p.stdout: watch[p.stdout.fileno()] = ('bout', ident)
            if p.stderr: watch[p.stderr.fileno()] = ('berr', ident)
        now = time.monotonic()
        wait = 0.5
        for k in kernels.values():
            if k.cell:
                due = k.cell[1] if k.cell[2] is None else k.cell[2] + GRACE
                wait = max(0.0, min(wait, due - now))
        ready, _, _ = select.select(list(watch), [], [], wait)
        for fd in ready:
            what, obj = watch[fd]
            if what == 'host':
                chunk = os.read(0, 65536)
                if not chunk:
                    return
                inbuf += chunk
                inbuf = host(inbuf)
            elif what == 'res':
                if obj.lang not in kernels or kernels[obj.lang] is not obj: continue
                chunk = read(fd)
                if chunk is None:
                    continue
                if not chunk:
                    restart(obj, 'crashed', 'the interpreter ended')
                else:
                    obj.buf += chunk
                    result(obj)
            elif what in ('kout', 'kerr'):
                if obj.lang not in kernels or kernels[obj.lang] is not obj: continue
                chunk = read(fd)
                if chunk and obj.cell:
                    send('out' if what == 'kout' else 'err', obj.cell[0], chunk)
            else:
                p = background.get(obj)
                stream = p and (p.stdout if what == 'bout' else p.stderr)
                if not stream: continue
                chunk = read(fd)
                if chunk is None:
                    continue
                if chunk:
                    send('out' if what == 'bout' else 'err', obj, chunk)
                else:
                    stream.close()
                    if what == 'bout': p.stdout = None
                    else: p.stderr = None
        now = time.monotonic()
        for k in list(kernels.values()):
            if not k.cell: continue
            if k.cell[2] is None and now >= k.cell[1]:
                k.cell[2] = now
                try: os.killpg(k.proc.pid, signal.SIGINT)
                except OSError: pass
            elif k.cell[2] is not None and now >= k.cell[2] + GRACE:
                restart(k, 'timeout', 'the cell ignored the interrupt: killed')
        for ident, p in list(background.items()):
            if p.stdout is None and p.stderr is None and p.poll() is not None:
                rc = p.returncode
                send('exit', ident, (b'signal %d' % -rc) if rc < 0 else (b'exit %d' % rc))
                del background[ident]

def host(buf):
    while True:
        nl = buf.find(b'\n')
        if nl < 0: return buf
        head = buf[:nl].decode().split(' ')
        n = int(head[-1])
        if len(buf) < nl + 1 + n: return buf
        payload = buf[nl + 1:nl + 1 + n]
        buf = buf[nl + 1 + n:]
        kind, ident = head[0], head[1]
        if kind == 'cell':
            lang, timeout = head[2], int(head[3]) / 1000.0
            k = kernels.get(lang)
            if k is None:
                if lang not in KERNELS or not which('python3' if lang == 'python3' else lang):
                    send('done', ident, b'error\n0\n' + ('no %s in this sandbox' % lang).encode())
                    continue
                k = kernels[lang] = Kernel(lang)
            k.submit(ident, payload, timeout)
        elif kind == 'start':
            p = background[ident] = subprocess.Popen(['bash', '-c', payload.decode()], stdin=subprocess.DEVNULL,
                                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                     start_new_session=True)
            os.set_blocking(p.stdout.fileno(), False)
            os.set_blocking(p.stderr.fileno(), False)
        elif kind in ('kill', 'int'):
            sig = signal.SIGKILL if kind == 'kill' else signal.SIGINT
            p = background.get(ident)
            targets = [p.pid] if p else [k.proc.pid for k in kernels.values() if k.cell and k.cell[0] == ident]
            for pid in targets:
                try: os.killpg(pid, sig)
                except OSError: pass

main()
