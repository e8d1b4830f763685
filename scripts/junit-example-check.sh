#!/usr/bin/env bash
# The README's JUnit example, checked as written: takes the fenced ```java block between `<!-- junit-example -->`
# and `<!-- /junit-example -->` (each marker at the start of its line), compiles it (javac --release 17,
# -Xlint:all -Werror) against joblet-junit's packaged classes and their runtime dependencies, and runs it through
# the JUnit Platform (console launcher, --fail-if-no-tests; the example's tests need root and run as root here).
# Fails when the markers or the block are missing, when it does not compile, finds no test, or a test fails.
#
#   scripts/junit-example-check.sh [TEXT_FILE]    (default: README.md)
set -euo pipefail
cd "$(dirname "$0")/.."

text="${1:-README.md}"
[ -f "$text" ] || { echo "junit-example-check: $text does not exist" >&2; exit 1; }
out=target/junit-example-check
rm -rf "$out"
mkdir -p "$out/src" "$out/classes"

awk 'index($0, "<!-- junit-example -->") == 1 { inside = 1; next }
     inside && index($0, "<!-- /junit-example -->") == 1 { found = 1; exit }
     inside && /^```/ { fence++; next }
     inside && fence == 1 { print }
     END { if (!found || fence != 2) exit 1 }' "$text" >"$out/example.java" || {
  echo "junit-example-check: $text has no JUnit example: a fenced \`\`\`java block between '<!-- junit-example -->'" \
       "and '<!-- /junit-example -->', each marker at the start of its line" >&2
  exit 1
}
# The file is named after its first top-level class (javac wants a public one so named; any one is fine).
cls=$(sed -n 's/^\(public \)\?\(final \)\?class \([A-Za-z_][A-Za-z0-9_]*\).*/\3/p' "$out/example.java" | head -1)
[ -n "$cls" ] || { echo "junit-example-check: the JUnit example in $text declares no top-level class" >&2; exit 1; }
cp "$out/example.java" "$out/src/$cls.java"

mvn -B -ntp -o -q -pl joblet-junit -am package -DskipTests \
  dependency:build-classpath -Dmdep.outputFile=target/runtime-cp.txt -DincludeScope=runtime
version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' pom.xml | head -1)
cp="joblet-junit/target/joblet-junit-$version.jar:$(cat joblet-junit/target/runtime-cp.txt)"
junit=$(sed -n 's|^    <junit.version>5\.\(.*\)</junit.version>$|1.\1|p' pom.xml)
launcher="$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/$junit/junit-platform-console-standalone-$junit.jar"
[ -f "$launcher" ] || { echo "junit-example-check: no JUnit console launcher $launcher" >&2; exit 1; }

javac --release 17 -Xlint:all -Werror -cp "$cp" -d "$out/classes" "$out/src/$cls.java" 2>"$out/javac.err" || {
  cat "$out/javac.err" >&2; echo "junit-example-check: the JUnit example in $text does not compile" >&2; exit 1; }
java --enable-native-access=ALL-UNNAMED -ea -cp "$launcher:$out/classes:$cp" org.junit.platform.console.ConsoleLauncher \
  execute --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests --select-class "$cls" >"$out/run.out" 2>&1 || {
  cat "$out/run.out" >&2; echo "junit-example-check: the JUnit example in $text failed (or found no test)" >&2; exit 1; }
sed 's/^/  | /' "$out/run.out"
echo "junit-example-check: passed ($text: $cls compiled and its tests ran green)"
