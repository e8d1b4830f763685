#!/bin/sh
# Builds the libFuzzer harness over the helper's message parsers (fuzz_messages.c, with ASan and UBSan) and runs it.
#   fuzz.sh [libFuzzer options...]     e.g. fuzz.sh -max_total_time=30     or     fuzz.sh -runs=10000000
# Needs clang and its runtime (Debian: apt-get install clang libclang-rt-14-dev). Corpus: the committed seeds and
# reproducers in corpus/ (read only), plus what this run finds in joblet-namespaces/target/fuzz/corpus (not
# committed). A crash leaves crash-* in target/fuzz and makes this script fail; add the reproducer to corpus/
# once it is fixed. Seeds from the Java encoder: ProtocolFuzzSeedsTest writes them to target/fuzz/seeds.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
module="$(cd "$here/../../.." && pwd)"
c="$module/src/main/c"
out="$module/target/fuzz"
CLANG="${CLANG:-clang}"
if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "fuzz: no clang: install it (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
mkdir -p "$out/corpus" "$out/seeds"
"$CLANG" -std=c11 -Wall -Wextra -Werror -g -O1 -D_GNU_SOURCE -fno-sanitize-recover=all \
  -fsanitize=fuzzer,address,undefined -I"$c" -o "$out/fuzz_messages" "$here/fuzz_messages.c" "$c/config.c"
cd "$out"
# -max_len: room for a config message with a long argv; the helper takes bodies of up to 1 MiB.
exec "$out/fuzz_messages" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$@" \
  "$out/corpus" "$here/corpus" "$out/seeds"
