#!/bin/sh
# Builds the native helper. Called by Maven (exec-maven-plugin) in generate-resources.
#   build.sh OUTPUT [EXTRA_CFLAGS...]
# JOBLET_HELPER_ARCH names the machine to build for: x86_64 or aarch64 (default: this one's, `uname -m`). For
# another machine than this one it uses Debian's cross compiler (ARCH-linux-gnu-gcc, e.g. apt-get install
# gcc-aarch64-linux-gnu libc6-dev-arm64-cross) and links statically with its glibc (Debian has no cross musl).
# The output is reproducible: the same sources give the same bytes whatever directory they are built in.
set -eu
out="$1"; shift
src="$(cd "$(dirname "$0")" && pwd)"
export LC_ALL=C
host="$(uname -m)"
arch="${JOBLET_HELPER_ARCH:-$host}"
case "$arch" in
  x86_64|aarch64) ;;
  *) echo "joblet: JOBLET_HELPER_ARCH='$arch': the helper is built for x86_64 or aarch64" >&2; exit 1 ;;
esac
# Every C file here is part of the helper (the paths have no spaces: they are the module's own), in a fixed order.
sources="$(ls "$src"/*.c | sort | tr '\n' ' ')"
# -ffile-prefix-map: no build directory in the binary (assert messages, debug info), so two checkouts agree.
CFLAGS="-std=c11 -Wall -Wextra -Werror -O2 -D_FORTIFY_SOURCE=2 -D_GNU_SOURCE -fno-strict-aliasing -ffile-prefix-map=$src=joblet-helper"
mkdir -p "$(dirname "$out")"

if [ "$arch" != "$host" ]; then
  CC="${JOBLET_HELPER_CC:-$arch-linux-gnu-gcc}"
  if ! command -v "$CC" >/dev/null 2>&1; then
    echo "joblet: no C compiler for $arch ('$CC') found: the $arch helper cannot be built on this $host machine." >&2
    echo "joblet: install Debian's cross compiler ('apt-get install gcc-$(echo "$arch" | tr _ -)-linux-gnu libc6-dev-$( [ "$arch" = aarch64 ] && echo arm64 || echo amd64)-cross')," >&2
    echo "joblet: or build without it: mvn ... -Djoblet.helper.cross.skip=true (that jar fails on $arch at run time)." >&2
    exit 1
  fi
  # Static only: a dynamically linked helper for another machine would need that machine's C library.
  if ! "$CC" $CFLAGS "$@" -static -o "$out" $sources 2>"$out.log"; then
    cat "$out.log" >&2
    echo "joblet: the static $arch link failed: is its C library installed (libc6-dev-arm64-cross)?" >&2
    exit 1
  fi
  rm -f "$out.log"
  exit 0
fi

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
