#!/usr/bin/env bash
# Side-by-side start benchmark: ProcessBuilder bare / + bwrap / + unshare against Joblet's modes, in one JVM,
# interleaved. Writes benchmarks/RESULTS.md. Needs root (Joblet does; so does unshare -p).
#
#   benchmarks/run.sh [--rounds N] [--warmup N] [--jmh] [--no-build] [--java PATH]
#
#   --rounds N   measured rounds (default 300; each round runs every mode once)
#   --warmup N   warm-up rounds (default 40)
#   --jmh        also run the JMH StartBenchmark first (~2 minutes) and put its table in RESULTS.md
#                (without it, an earlier JMH section of RESULTS.md is kept)
#   --no-build   use benchmarks/target/benchmarks.jar as it is (the build skips compiling tests)
#   --java PATH  the java to run (default: java on PATH; JAVA_HOME/bin/java if JAVA_HOME is set)
#
# Default run: about 15-60 s after the build on a 2-core VM, depending on how slow the slowest mode is.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
rounds=300 warmup=300 jmh=0 build=1
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --jmh) jmh=1; shift ;;
    --no-build) build=0; shift ;;
    --java) java="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "run.sh: Joblet needs root (namespaces, mounts, cgroups); rerun with sudo" >&2
  exit 1
fi

jar="$here/target/benchmarks.jar"
if [ "$build" = 1 ] || [ ! -f "$jar" ]; then
  echo "building benchmarks/target/benchmarks.jar ..."
  (cd "$root" && mvn -q -B -pl benchmarks -am -Dmaven.test.skip=true package)   # package, not install: nothing goes into ~/.m2
fi

# bubblewrap: install it if missing and we can; otherwise the row is skipped, saying why.
bwrap_note=()
if ! command -v bwrap >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "bwrap not found: installing bubblewrap with apt-get ..."
    if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap >/dev/null 2>&1 ||
           { apt-get update -q >/dev/null 2>&1 &&
             DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap >/dev/null 2>&1; }; }; then
      bwrap_note=(--bwrap-note "\`apt-get install bubblewrap\` failed (no package source reachable?)")
    fi
  else
    bwrap_note=(--bwrap-note "\`bwrap\` is not installed and there is no apt-get to install it with")
  fi
fi

jvm=(--enable-native-access=ALL-UNNAMED)
jmh_args=()
if [ "$jmh" = 1 ]; then
  csv="$here/target/jmh-start.csv"
  "$java" -jar "$jar" StartBenchmark -rf csv -rff "$csv"
  jmh_args=(--jmh-csv "$csv")
fi

cd "$root"
exec "$java" "${jvm[@]}" -cp "$jar" dev.joblet.benchmarks.SideBySide \
  --rounds "$rounds" --warmup "$warmup" --out "$here/RESULTS.md" "${bwrap_note[@]}" "${jmh_args[@]}"
