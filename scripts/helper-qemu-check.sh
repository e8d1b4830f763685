#!/usr/bin/env bash
# The aarch64 helper the jar carries, run on this (x86_64) machine under qemu-user: it must be a static aarch64
# executable, refuse to run when not started by the library ("not for general use", exit 2), and speak the
# protocol: HelperConfigTest (the handshake, its version check, and every malformed or refused config, each
# answered with {CONFIG, errno} on the status pipe) runs against it through qemu-aarch64. Nothing there reaches
# clone3, so qemu-user (no namespaces of its own) suffices; the launch itself is tested on x86_64.
# qemu is run explicitly (binfmt_misc may be absent); without qemu-aarch64 the check says so and is skipped.
# Needs the built module (after `mvn verify` or `package`). Cost: one surefire run of one test class, ~30 s.
#
#   scripts/helper-qemu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

helper=joblet-namespaces/target/classes/dev/joblet/namespaces/internal/joblet-helper-aarch64
[ -f "$helper" ] || { echo "helper-qemu-check: $helper is missing: build joblet-namespaces first (without -Djoblet.helper.cross.skip)" >&2; exit 1; }
qemu=""
for q in qemu-aarch64-static qemu-aarch64; do
    command -v "$q" >/dev/null 2>&1 && { qemu=$(command -v "$q"); break; }
done
if [ -z "$qemu" ]; then
    echo "helper-qemu-check: SKIPPED: no qemu-aarch64 (Debian: apt-get install qemu-user-static); the aarch64 helper was not run" >&2
    exit 0
fi

file -b "$helper" | grep -q 'ARM aarch64.*statically linked' \
    || { file "$helper" >&2; echo "helper-qemu-check: $helper is not a static aarch64 executable" >&2; exit 1; }

# Started by hand, it refuses.
set +e
msg=$("$qemu" "$helper" --help 2>&1 >/dev/null); rc=$?
set -e
if [ $rc != 2 ] || ! grep -q 'not for general use' <<<"$msg"; then
    echo "helper-qemu-check: run by hand under $qemu the helper exited $rc and said: $msg" >&2; exit 1
fi
echo "helper-qemu-check: run by hand: exit 2, \"$msg\""

# The protocol and its error paths: the same test class as for the x86_64 helper.
out=joblet-namespaces/target/helper-qemu-check.log
report=joblet-namespaces/target/surefire-reports/TEST-dev.joblet.namespaces.internal.HelperConfigTest.xml
rm -f "$report"   # the x86_64 run's, if any: the report read below must be this run's
if ! mvn -B -ntp -o -q -pl joblet-namespaces surefire:test -Dtest=HelperConfigTest -Dsurefire.failIfNoSpecifiedTests=false \
        -Djoblet.test.helper="$(pwd)/$helper" -Djoblet.test.helperRunner="$qemu" >"$out" 2>&1; then
    tail -60 "$out" >&2; echo "helper-qemu-check: HelperConfigTest failed against the aarch64 helper under $qemu ($out)" >&2; exit 1
fi
# It ran, and ran here (surefire:test with -Dtest passes on zero tests run).
[ -f "$report" ] || { echo "helper-qemu-check: HelperConfigTest did not run ($out)" >&2; exit 1; }
tests=$(grep -o 'tests="[0-9]*"' "$report" | head -1 | tr -dc 0-9)
skipped=$(grep -o 'skipped="[0-9]*"' "$report" | head -1 | tr -dc 0-9)
[ "${tests:-0}" -gt 0 ] && [ "${skipped:-0}" = 0 ] \
    || { echo "helper-qemu-check: HelperConfigTest ran ${tests:-0} tests (${skipped:-?} skipped) against the aarch64 helper" >&2; exit 1; }
grep -q "name=\"joblet.test.helperRunner\" value=\"$qemu\"" "$report" || { echo "helper-qemu-check: the report does not show the qemu runner" >&2; exit 1; }
echo "helper-qemu-check: HelperConfigTest passed against the aarch64 helper under $qemu ($tests tests)"
