# Joblet python kernel: reads `LEN\n` + cell on fd $JOBLET_KERNEL_IN, runs it in one namespace, writes `STATUS LEN\n` + payload on
# fd $JOBLET_KERNEL_OUT: `value` (repr of a last expression that is not None), `exc` (name NL message NL traceback), then `ok`,
# `error` or `interrupted` ends the cell. SIGINT raises KeyboardInterrupt only while a cell runs.
import ast, linecache, os, signal, sys, traceback

inp = os.fdopen(int(os.environ.pop('JOBLET_KERNEL_IN')), 'rb', buffering=0)
out = int(os.environ.pop('JOBLET_KERNEL_OUT'))
ns = {'__name__': '__main__', '__builtins__': __builtins__}
running = False

def on_int(signum, frame):
    if running:
        raise KeyboardInterrupt
signal.signal(signal.SIGINT, on_int)

def reply(status, payload=b''):
    sys.stdout.flush(); sys.stderr.flush()
    data = b'%s %d\n' % (status, len(payload)) + payload
    while data:
        data = data[os.write(out, data):]

def read_exact(n):
    b = b''
    while len(b) < n:
        chunk = inp.read(n - len(b))
        if not chunk:
            sys.exit(0)
        b += chunk
    return b

def read_line():
    b = b''
    while not b.endswith(b'\n'):
        c = inp.read(1)
        if not c:
            sys.exit(0)
        b += c
    return b

count = 0
while True:
    n = int(read_line())
    code = read_exact(n).decode('utf-8', 'replace')
    count += 1
    name = '<cell %d>' % count
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    value = None
    try:
        running = True
        try:
            tree = ast.parse(code, name, 'exec')
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            exec(compile(tree, name, 'exec'), ns)
            if last is not None:
                value = eval(compile(last, name, 'eval'), ns)
        finally:
            running = False
        if value is not None:
            ns['_'] = value
            try:
                text = repr(value)
            except BaseException as e:
                text = '<repr failed: %r>' % e
            reply(b'value', text.encode('utf-8', 'replace'))
        reply(b'ok')
    except SystemExit as e:
        reply(b'exc', ('SystemExit\n%s\n' % (e.code,)).encode())
        reply(b'error')
    except BaseException as e:
        running = False
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == '<string>':
            tb = tb.tb_next  # drop the kernel's own frames
        text = ''.join(traceback.format_exception(type(e), e, tb))
        sys.stderr.write(text)
        reply(b'exc', ('%s\n%s\n%s' % (type(e).__name__, str(e).replace('\n', ' '), text)).encode('utf-8', 'replace'))
        reply(b'interrupted' if isinstance(e, KeyboardInterrupt) else b'error')
