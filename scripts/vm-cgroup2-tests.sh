#!/usr/bin/env bash
# Runs the joblet-cgroups enforcement tests under real cgroup v2, inside ../shared/tools/vm-cgroup2.
#
# Prerequisite (on the host, from the repository root):
#   mvn -B -pl joblet-cgroups -am test-compile
#   mvn -B -pl joblet-cgroups dependency:build-classpath -Dmdep.outputFile=target/cp.txt
#
# Two VM boots, one JVM each:
#   1. the JVM in the root cgroup, with a scratch disk for the IO test: every enforcement test and the sweep;
#   2. the JVM in a service-like cgroup that already holds processes (--cgroup): the "no internal processes"
#      handling, plus kill and pids enforcement from there.
# Exits non-zero when a test fails or the VM fails. Reports: joblet-cgroups/target/vm-reports/{root,service}.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
vm="$(cd "$repo/../shared/tools" && pwd)/vm-cgroup2"
module="$repo/joblet-cgroups"
target="$module/target"
launcher_version="1.14.4" # the JUnit Platform version of junit-bom 5.14.4
launcher="$target/vm-lib/junit-platform-console-standalone-$launcher_version.jar"

[[ -x "$vm" ]] || { echo "vm-cgroup2-tests: $vm not found" >&2; exit 2; }
if [[ ! -d "$target/test-classes" || ! -f "$target/cp.txt" ]]; then
  echo "vm-cgroup2-tests: build first: mvn -B -pl joblet-cgroups -am test-compile &&" \
       "mvn -B -pl joblet-cgroups dependency:build-classpath -Dmdep.outputFile=target/cp.txt" >&2
  exit 2
fi
if [[ ! -f "$launcher" ]]; then
  (cd "$module" && mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.11.0:copy \
    -Dartifact="org.junit.platform:junit-platform-console-standalone:$launcher_version" \
    -DoutputDirectory="$target/vm-lib")
fi

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
classpath="$target/test-classes:$target/classes:$(cat "$target/cp.txt"):$launcher"

run_vm() { # name, vm options..., --, launcher selectors...
  local name="$1"; shift
  local opts=()
  while [[ "$1" != "--" ]]; do opts+=("$1"); shift; done
  shift
  rm -rf "$target/vm-reports/$name"
  echo "== vm-cgroup2 ($name): ${opts[*]}" >&2
  "$vm" --timeout 600 --share "$target" "${opts[@]}" -- \
    "$java_bin" -Xshare:auto -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$classpath" org.junit.platform.console.ConsoleLauncher execute \
    --disable-banner --details=summary --details-theme=ascii --fail-if-no-tests \
    --reports-dir "$target/vm-reports/$name" "$@"
}

status=0
run_vm root --scratch-disk 64 -- \
  --select-class dev.joblet.cgroups.EnforcementTest \
  --select-class dev.joblet.cgroups.internal.StaleSweeperTest || status=$?
run_vm service --cgroup joblet-test.service -- \
  --select-class dev.joblet.cgroups.internal.NoInternalProcessesTest \
  --select-method dev.joblet.cgroups.EnforcementTest#killKillsEveryProcess \
  --select-method dev.joblet.cgroups.EnforcementTest#aForkBombStopsAtPidsMaxAndCanStillBeKilled || status=$?
exit "$status"
