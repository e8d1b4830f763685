#!/bin/sh
# Builds the native helper. Called by Maven (exec-maven-plugin) in generate-resources.
#   build.sh OUTPUT [EXTRA_CFLAGS...]
set -eu
out="$1"; shift
src="$(cd "$(dirname "$0")" && pwd)"
CC="${CC:-cc}"
# JOBLET_HELPER_CC names the compiler to use instead of trying musl-gcc first (the tests' build sets it to cc).
try_musl=1
if [ -n "${JOBLET_HELPER_CC:-}" ] && [ "$JOBLET_HELPER_CC" != musl-gcc ]; then
  try_musl=0
  CC="$JOBLET_HELPER_CC"
fi
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "joblet: no C compiler ('$CC') found: the native helper cannot be built." >&2
  echo "joblet: install one, e.g. 'apt-get install gcc libc6-dev' (Debian/Ubuntu) or 'dnf install gcc glibc-static' (Fedora)." >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
# Every C file here is part of the helper (the paths have no spaces: they are the module's own).
sources="$(ls "$src"/*.c | tr '\n' ' ')"
CFLAGS="-std=c11 -Wall -Wextra -Werror -O2 -D_FORTIFY_SOURCE=2 -D_GNU_SOURCE -fno-strict-aliasing"
# musl first, when installed (Debian: musl-tools): its static start-up does no CPU feature probing, where
# glibc's runs dozens of CPUID instructions, each a trap to the hypervisor in a VM (~0.2 ms per helper on the
# VMs measured in benchmarks/RESULTS.md). The kernel's own headers (linux/, asm/) come from the system's.
if [ "$try_musl" = 1 ] && command -v musl-gcc >/dev/null 2>&1; then
  multiarch="$(cc -print-multiarch 2>/dev/null || true)"
  if musl-gcc $CFLAGS "$@" -static -idirafter /usr/include ${multiarch:+-idirafter /usr/include/$multiarch} \
      -o "$out" $sources 2>"$out.log"; then
    rm -f "$out.log"
    exit 0
  fi
  echo "joblet: building the helper with musl failed, using $CC:" >&2
  cat "$out.log" >&2
fi
# Static when the C library allows it (no dynamic loader on the hot path); dynamic otherwise.
if ! "$CC" $CFLAGS "$@" -static -o "$out" $sources 2>"$out.log"; then
  echo "joblet: static link failed, linking dynamically:" >&2
  cat "$out.log" >&2
  "$CC" $CFLAGS "$@" -o "$out" $sources
fi
rm -f "$out.log"
