#!/usr/bin/env bash
# The compatibility check (issue 25): a fixed selection of Python's own test package (Debian's
# libpython3.11-testsuite) runs on the host as an unprivileged user and in a default job, and the check fails
# when a test passes on the host but not in the job, unless allowed-differences.txt lists it with a sandbox
# property documented in docs/COMPATIBILITY.md. Needs root (the job; setpriv to nobody), a built rnx.jar and
# /usr/bin/python3 with the test package. Both runs go at once, each in two shards (most tests sleep).
#
#   scripts/compat/compat-check.sh     results in joblet-examples/target/compat/
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/compat
out=joblet-examples/target/compat
[ -f /usr/lib/python3.11/test/test_os.py ] || { echo "compat: Python's test package is missing (apt-get install libpython3.11-testsuite)" >&2; exit 1; }

# The selection: the OS surface ordinary programs use. Changing it changes what is measured: say so in
# docs/COMPATIBILITY.md. Slow classes (test_signal's stress tests, test_concurrent_futures) are left out.
shard_a=(test_subprocess test_os test_posix test_pty test_openpty test_fcntl test_select test_epoll test_mmap
  test_resource test_pwd test_grp test_getpass test_platform test_uuid test_fileio test_file test_stat test_errno
  test_fork1 test_wait4
  test_signal.GenericTests test_signal.PosixTests test_signal.WakeupFDTests test_signal.SiginterruptTest
  test_signal.ItimerTest test_signal.PendingSignalsTests test_signal.RaiseSignalTest test_signal.PidfdSignalTest)
shard_b=(test_socket test_threading test_tempfile test_shutil test_time test_sys test_pathlib test_glob
  test_posixpath test_locale test_syslog test_threadsignals test_asyncio.test_unix_events test_asyncio.test_subprocess
  test_asyncio.test_sock_lowlevel)

rm -rf "$out"
mkdir -p "$out/job"
chmod 755 "$out"
# The host side as nobody, in an environment like the job's (PATH, HOME, TERM and nothing else).
host() {
    local dir="$out/host-$1"; shift
    mkdir -p "$dir"
    chown nobody:nogroup "$dir"
    (cd "$dir" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$PWD" TERM=xterm \
        /usr/bin/python3 "$OLDPWD/$here/run_tests.py" --out results.txt "$@") >"$dir/log" 2>&1 </dev/null
}
# The job side: a default job (rnx's defaults but a timeout), the runner uploaded into /work.
job() {
    local name=$1; shift
    ./rnx job run --timeout=5m --upload="$here/run_tests.py" sh -c \
        'python3 run_tests.py --out results.txt "$@" >log 2>&1; s=$?; echo @@RESULTS@@; cat results.txt; echo @@LOG@@; cat log; exit $s' \
        sh "$@" >"$out/job/$name.out" 2>"$out/job/$name.err" </dev/null
}
start=$(date +%s)
pids=()
host a "${shard_a[@]}" & pids+=($!)
host b "${shard_b[@]}" & pids+=($!)
job a "${shard_a[@]}" & pids+=($!)
job b "${shard_b[@]}" & pids+=($!)
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ "$status" = 0 ] || echo "compat: a run ended with a failure status (test failures are expected; the comparison decides)" >&2
cat "$out"/host-*/results.txt >"$out/host.txt"
for s in a b; do sed -n '/^@@RESULTS@@$/,/^@@LOG@@$/p' "$out/job/$s.out"; done >"$out/job.txt"
echo "compat: both runs took $(( $(date +%s) - start ))s" >&2
python3 "$here/compare.py" "$out/host.txt" "$out/job.txt" "$here/allowed-differences.txt" docs/COMPATIBILITY.md
