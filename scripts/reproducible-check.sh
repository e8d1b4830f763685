#!/usr/bin/env bash
# Reproducible builds: builds the committed tree (HEAD) twice, each in its own fresh directory, and fails unless
# every jar both builds made (classes, sources, javadoc, the shaded rnx.jar, the jar carrying the native helpers)
# is byte-identical. The two directories have different paths, so a path or a time that leaks into an archive
# entry or into the C helper (__FILE__, debug info, build id) shows up as a difference.
#
# Cost: two `package -P release` builds without tests (compile, javadoc, the helpers): about 3 to 4 minutes each
# on 2 loaded cores. Nothing is installed; Maven only reads the local repository.
#
#   scripts/reproducible-check.sh [COMMIT]     (default HEAD; uncommitted changes are not part of it)
#   REPRODUCIBLE_MODULES=joblet-namespaces scripts/reproducible-check.sh    those modules (and what they need) only
set -euo pipefail
cd "$(dirname "$0")/.."

# Resolved once: both builds are of this commit even when HEAD moves meanwhile.
commit=$(git rev-parse --verify "${1:-HEAD}^{commit}")
work="$(pwd)/target/reproducible-check"
rm -rf "$work"
mkdir -p "$work"

build() {
    local dir="$work/$1"
    mkdir -p "$dir"
    git archive --format=tar "$commit" | tar -x -C "$dir"
    echo "reproducible-check: build $1 of $(git rev-parse --short "$commit") in $dir" >&2
    # -o: the first build of ./test already fetched every plugin. benchmarks are a shaded jar of JMH: built too.
    (cd "$dir" && mvn -B -ntp -o -q -P release package -Dmaven.test.skip=true \
        ${REPRODUCIBLE_MODULES:+-pl "$REPRODUCIBLE_MODULES" -am}) >"$work/$1.log" 2>&1 \
        || { tail -40 "$work/$1.log" >&2; echo "reproducible-check: build $1 failed ($work/$1.log)" >&2; exit 1; }
}
build a
build b-other-path

fail=0
count=0
while IFS= read -r jar; do
    other="$work/b-other-path/${jar#"$work/a/"}"
    count=$((count + 1))
    if [ ! -f "$other" ]; then
        echo "reproducible-check: ${jar#"$work/a/"} is missing from the second build" >&2; fail=1; continue
    fi
    if ! cmp -s "$jar" "$other"; then
        fail=1
        echo "reproducible-check: ${jar#"$work/a/"} differs between the two builds:" >&2
        # Which entries differ (name, size, CRC) and, for the helpers, how.
        diff <(unzip -v "$jar" | awk 'NR>3 {print $1, $5, $6, $7, $8}') \
             <(unzip -v "$other" | awk 'NR>3 {print $1, $5, $6, $7, $8}') >&2 || true
    fi
done < <(find "$work/a" -path '*/target/*' -name '*.jar' | sort)
[ "$count" -gt 0 ] || { echo "reproducible-check: the builds made no jar" >&2; exit 1; }
# The native helpers themselves (inside the jars above; compared here too, for a clearer message).
for h in $(cd "$work/a" && find . -path '*/target/classes/*' -name 'joblet-helper*' -type f | sort); do
    cmp "$work/a/$h" "$work/b-other-path/$h" >&2 || { echo "reproducible-check: the helper $h differs" >&2; fail=1; }
done
[ $fail = 0 ] || exit 1
# Not both empty by accident: the published jars are there.
needs="joblet-namespaces-0.1.0-SNAPSHOT.jar joblet-core-0.1.0-SNAPSHOT-javadoc.jar joblet-core-0.1.0-SNAPSHOT-sources.jar rnx.jar"
[ -z "${REPRODUCIBLE_MODULES:-}" ] || needs=""
for need in $needs; do
    find "$work/a" -name "$need" | grep -q . || { echo "reproducible-check: no $need was built" >&2; exit 1; }
done
echo "reproducible-check: $count jars byte-identical across two builds of $(git rev-parse --short "$commit")"
rm -rf "$work"
