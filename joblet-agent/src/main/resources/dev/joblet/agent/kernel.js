// Joblet node kernel: reads NUL-terminated cells on fd $JOBLET_KERNEL_IN, runs each with vm.runInThisContext (globals persist,
// SIGINT breaks a running cell), writes `value|error|ok LEN\n` + payload on fd $JOBLET_KERNEL_OUT, as the python kernel does.
const fs = require('fs'), vm = require('vm'), util = require('util');
const IN = Number(process.env.JOBLET_KERNEL_IN), OUT = Number(process.env.JOBLET_KERNEL_OUT);
delete process.env.JOBLET_KERNEL_IN; delete process.env.JOBLET_KERNEL_OUT;
let pending = Buffer.alloc(0), count = 0;
function reply(status, text) {
  const p = Buffer.from(text || '', 'utf8');
  fs.writeSync(OUT, Buffer.concat([Buffer.from(status + ' ' + p.length + '\n'), p]));
}
function run(code) {
  count++;
  try {
    const v = vm.runInThisContext(code, { filename: '<cell ' + count + '>', breakOnSigint: true, displayErrors: false });
    if (v !== undefined) reply('value', util.inspect(v));
    reply('ok');
  } catch (e) {
    const name = e && e.name || 'Error', msg = e && e.message || String(e), tb = e && e.stack || String(e);
    process.stderr.write(tb + '\n');
    reply('exc', name + '\n' + String(msg).replace(/\n/g, ' ') + '\n' + tb);
    reply(/Script execution interrupted/.test(msg) ? 'interrupted' : 'error');
  }
}
process.on('SIGINT', () => {});
const input = fs.createReadStream(null, { fd: IN });
input.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  let nul;
  while ((nul = pending.indexOf(0)) >= 0) {
    const code = pending.subarray(0, nul).toString('utf8');
    pending = pending.subarray(nul + 1);
    run(code);
  }
});
input.on('end', () => process.exit(0));
