#!/bin/sh
# Builds the native helper. Called by Maven (exec-maven-plugin) in generate-resources.
#   build.sh OUTPUT [EXTRA_CFLAGS...]
set -eu
out="$1"; shift
src="$(cd "$(dirname "$0")" && pwd)"
CC="${CC:-cc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "joblet: no C compiler ('$CC') found: the native helper cannot be built." >&2
  echo "joblet: install one, e.g. 'apt-get install gcc libc6-dev' (Debian/Ubuntu) or 'dnf install gcc glibc-static' (Fedora)." >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
CFLAGS="-std=c11 -Wall -Wextra -Werror -O2 -D_FORTIFY_SOURCE=2 -D_GNU_SOURCE -fno-strict-aliasing"
# Static when the C library allows it (no dynamic loader on the hot path); dynamic otherwise.
if ! "$CC" $CFLAGS "$@" -static -o "$out" "$src"/main.c "$src"/config.c "$src"/sandbox.c "$src"/security.c 2>"$out.log"; then
  echo "joblet: static link failed, linking dynamically:" >&2
  cat "$out.log" >&2
  "$CC" $CFLAGS "$@" -o "$out" "$src"/main.c "$src"/config.c "$src"/sandbox.c "$src"/security.c
fi
rm -f "$out.log"
