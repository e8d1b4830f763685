#!/usr/bin/env bash
# Runs the library on the module path, with each JDK given (default: 17 and 25 where installed):
#  - a consumer module (scripts/module-path-check/consumer) that writes `import dev.joblet.*;` and the other API
#    packages compiles against the packaged jars; run, it checks that each library module exports exactly its API
#    packages and starts a job from a named module;
#  - a module that imports an internal package of each library module must NOT compile.
# Needs the jars (after `mvn verify` or `package`); ./test calls it after the build.
#
#   scripts/module-path-check.sh [JAVA_HOME...]
set -euo pipefail
cd "$(dirname "$0")/.."

jdks=("$@")
if [ ${#jdks[@]} -eq 0 ]; then
  for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
    [ -x "$j/bin/javac" ] && jdks+=("$j")
  done
fi
[ ${#jdks[@]} -gt 0 ] || { echo "module-path-check: no JDK found (give JAVA_HOME directories)" >&2; exit 1; }

# The runtime dependencies of the modules a user reads (the reactor's own jars included).
mvn -B -ntp -o -q -pl joblet-agent,joblet-junit -am package -DskipTests \
  dependency:build-classpath -Dmdep.outputFile=target/runtime-cp.txt -DincludeScope=runtime
mp="joblet-agent/target/joblet-agent-0.1.0-SNAPSHOT.jar:joblet-junit/target/joblet-junit-0.1.0-SNAPSHOT.jar"
mp="$mp:$(cat joblet-agent/target/runtime-cp.txt):$(cat joblet-junit/target/runtime-cp.txt)"
# One entry per jar (the reactor's jars appear in both lists).
mp=$(tr ':' '\n' <<<"$mp" | awk 'NF && !seen[$0]++' | paste -sd: -)

out=target/module-path-check
rm -rf "$out"
mkdir -p "$out"
fail=0
for jdk in "${jdks[@]}"; do
  v=$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
  d="$out/jdk$v"
  mkdir -p "$d"
  echo "module-path-check: JDK $v ($jdk)"
  "$jdk/bin/javac" --release 17 -Xlint:all -Werror --module-path "$mp" -d "$d/consumer" \
    $(find scripts/module-path-check/consumer -name '*.java')
  # jffi loads its JNI stub: allowed for it, so JDK 24+ says nothing about restricted methods.
  "$jdk/bin/java" --enable-native-access=org.jnrproject.jffi --module-path "$d/consumer:$mp" \
    -m dev.joblet.consumer/dev.joblet.consumer.Main 2>"$d/run.err" | tee "$d/run.out" \
    || { cat "$d/run.err" >&2; echo "module-path-check: the consumer failed on JDK $v" >&2; fail=1; }
  if grep -q 'WARNING' "$d/run.err"; then
    cat "$d/run.err" >&2; echo "module-path-check: the JVM warned on JDK $v" >&2; fail=1
  fi

  # Internal packages stay inside their module.
  for leak in dev.joblet/dev.joblet.internal.Args dev.joblet/dev.joblet.internal.net.Cidr \
      dev.joblet.cgroups/dev.joblet.cgroups.internal.CgroupFs \
      dev.joblet.namespaces/dev.joblet.namespaces.internal.Protocol; do
    mod=${leak%%/*}; cls=${leak#*/}
    src="$d/leak/${cls//./_}"
    mkdir -p "$src/leak"
    printf 'module leak { requires %s; }\n' "$mod" >"$src/module-info.java"
    printf 'package leak;\n\nclass Leak {\n    %s field;\n}\n' "$cls" >"$src/leak/Leak.java"
    if "$jdk/bin/javac" --release 17 --module-path "$mp" -d "$src/classes" "$src/module-info.java" \
        "$src/leak/Leak.java" >"$src/javac.out" 2>&1; then
      echo "module-path-check: $cls is readable outside module $mod on JDK $v" >&2; fail=1
    elif ! grep -q 'is not visible\|does not export' "$src/javac.out"; then
      cat "$src/javac.out" >&2; echo "module-path-check: $cls did not compile for another reason on JDK $v" >&2; fail=1
    else
      echo "  $cls: not visible outside $mod"
    fi
  done
done
[ $fail = 0 ] || exit 1
echo "module-path-check: passed"
