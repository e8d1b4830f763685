#!/usr/bin/env bash
# A newcomer's quickstart, checked: takes the quickstart text (the dependency snippet, the example and the run
# commands, each a fenced block between markers), builds a fresh consumer Maven project from exactly that text
# against the library as deployed (to a staging directory; nothing is installed into ~/.m2), and runs it with each
# JDK (17 and 25 where installed), as root and (when run as root) again as an ordinary user, nobody (uid 65534:
# rootless, no delegated cgroup), with its own HOME and its own copies of all it reads. Fails when a block is missing, when the example does not compile (javac lint,
# -Werror) or does not run, and on any warning printed by Maven, javac, the JVM, SLF4J or the library.
#
# The text (markers, each around one fenced block):
#   <!-- quickstart:pom -->  ```xml  <dependencies>...</dependencies>  ```  <!-- /quickstart -->
#   <!-- quickstart:java --> ```java ...a class Hello...              ```  <!-- /quickstart -->
#   <!-- quickstart:run -->  ```sh   the commands that build and run it ```  <!-- /quickstart -->
#
# The consumer's Maven resolves Joblet from the staging directory and everything else from ~/.m2 read as a file
# repository (never written), into a throwaway local repository: no network. Cost: one `deploy` without tests of
# joblet-core and what it needs (3 to 8 minutes on 2 loaded cores; ./test's build before it has compiled it all),
# then per JDK and user one small Maven build and a job (~30 s).
#
#   scripts/quickstart-check.sh [TEXT_FILE]    (default: README.md)
#   JDKS="/usr/lib/jvm/a /usr/lib/jvm/b" scripts/quickstart-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

text="${1:-README.md}"
[ -f "$text" ] || { echo "quickstart-check: $text does not exist" >&2; exit 1; }

# The fenced block between <!-- quickstart:NAME --> and the next <!-- /quickstart -->, without its fences.
block() {
    awk -v start="<!-- quickstart:$1 -->" '
        index($0, start) == 1 { inside = 1; next }
        inside && index($0, "<!-- /quickstart -->") == 1 { found = 1; exit }
        inside && /^```/ { fence++; next }
        inside && fence == 1 { print }
        END { if (!found || fence != 2) exit 1 }' "$text"
}
for name in pom java run; do
    block "$name" >/dev/null || {
        echo "quickstart-check: $text has no quickstart block '$name': a fenced block between" \
             "'<!-- quickstart:$name -->' and '<!-- /quickstart -->', each marker at the start of its line" >&2
        exit 1
    }
done

# This build's version: the parent pom's own <version> (the first at two spaces' indent).
version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' pom.xml | head -1)
[ -n "$version" ] || { echo "quickstart-check: no version in pom.xml" >&2; exit 1; }
block pom | grep -q "<version>$version</version>" || {
    echo "quickstart-check: the dependency snippet in $text does not name version $version (this build's)" >&2; exit 1; }

jdks=()
if [ -n "${JDKS:-}" ]; then
    read -r -a jdks <<<"$JDKS"
else
    for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
        [ -x "$j/bin/java" ] && jdks+=("$j")
    done
fi
[ ${#jdks[@]} -gt 0 ] || { echo "quickstart-check: no JDK found (set JDKS)" >&2; exit 1; }

work="$root/target/quickstart-check"
stage="$work/staging"
if [ "${QUICKSTART_REUSE_STAGING:-0}" = 1 ] && [ -d "$stage" ]; then
    # While editing the text: the library staged by the previous run (QUICKSTART_REUSE_STAGING=1).
    find "$work" -mindepth 1 -maxdepth 1 ! -name staging -exec rm -rf {} +
    echo "quickstart-check: reusing the library staged in $stage" >&2
else
    rm -rf "$work"
    mkdir -p "$work"
    # The library as a user gets it: deployed, with its poms, to a repository of its own. Not offline:
    # maven-deploy-plugin refuses to deploy in offline mode, even to a file: repository.
    echo "quickstart-check: deploying joblet-core and what it needs to $stage" >&2
    mvn -B -ntp -q -pl joblet-core -am deploy -Dmaven.test.skip=true -Dmaven.install.skip=true -DaltDeploymentRepository="staging::file://$stage" \
        >"$work/deploy.log" 2>&1 || { tail -40 "$work/deploy.log" >&2; echo "quickstart-check: the deploy failed" >&2; exit 1; }
fi
for a in joblet-parent joblet-cgroups joblet-namespaces joblet-core; do
    [ -d "$stage/dev/joblet/$a/$version" ] || { echo "quickstart-check: $a was not deployed" >&2; exit 1; }
done
for a in joblet-testing joblet-examples joblet-benchmarks; do
    [ ! -e "$stage/dev/joblet/$a" ] || { echo "quickstart-check: $a was deployed: it must not be" >&2; exit 1; }
done

# Two repositories only: the staged library, and ~/.m2 read as a remote (its files carry no checksums).
cat >"$work/settings.xml" <<EOF
<settings>
  <profiles><profile><id>quickstart</id>
    <repositories>
      <repository><id>staging</id><url>file://$stage</url>
        <releases><checksumPolicy>ignore</checksumPolicy></releases><snapshots><checksumPolicy>ignore</checksumPolicy></snapshots></repository>
      <repository><id>central</id><url>file://$HOME/.m2/repository</url>
        <releases><checksumPolicy>ignore</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots></repository>
    </repositories>
    <pluginRepositories>
      <pluginRepository><id>central</id><url>file://$HOME/.m2/repository</url>
        <releases><checksumPolicy>ignore</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots></pluginRepository>
    </pluginRepositories>
  </profile></profiles>
  <activeProfiles><activeProfile>quickstart</activeProfile></activeProfiles>
</settings>
EOF

# The consumer: what `mvn archetype:generate` would give a newcomer (plugins pinned, so that Maven does not warn),
# with the README's dependencies and example, and nothing else of this project.
app="$work/hello"
mkdir -p "$app/src/main/java"
{
    cat <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>hello</artifactId>
  <version>1.0</version>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <maven.compiler.release>17</maven.compiler.release>
  </properties>
  <build>
    <pluginManagement>
      <plugins>
        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.5.0</version></plugin>
        <plugin>
          <groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.16.0</version>
          <configuration><compilerArgs><arg>-Xlint:all</arg><arg>-Werror</arg></compilerArgs></configuration>
        </plugin>
        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.11.0</version></plugin>
      </plugins>
    </pluginManagement>
  </build>
EOF
    block pom | sed 's/^/  /'
    echo '</project>'
} >"$app/pom.xml"
block java >"$app/src/main/java/Hello.java"
block run >"$work/run.sh"

# The run block, driven: `mvn` is Maven with the settings given and a throwaway local repository (Maven itself
# runs on the JDK running this script: Maven 3.8 on JDK 24+ warns about its own jansi), `java` is this JDK's.
cat >"$work/drive.sh" <<'EOF'
set -euo pipefail
settings=$1 repo=$2 jdk=$3 app=$4 run=$5
cd "$app"
mvn() { command mvn -B -ntp -s "$settings" -Dmaven.repo.local="$repo" "$@"; }
java() { "$jdk/bin/java" "$@"; }
export -f mvn java
export settings repo jdk
bash -euo pipefail "$run"
EOF

# One run of the quickstart with each JDK, in the work directory $1 (its hello/, settings.xml, run.sh), as the
# user $2 (root: as this script; else a uid run by setpriv with HOME=$1/home), expecting "... as $3".
fail=0
check() {
    local w=$1 user=$2 expect=$3 jdk v rc tag
    for jdk in "${jdks[@]}"; do
        v=$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
        tag="jdk$v.$user"
        echo "quickstart-check: JDK $v ($jdk) as $user"
        rm -rf "$w/hello/target" "$w/repo"
        if [ "$user" = root ]; then
            bash "$work/drive.sh" "$w/settings.xml" "$w/repo" "$jdk" "$w/hello" "$w/run.sh" \
                >"$w/$tag.raw.out" 2>"$w/$tag.raw.err" && rc=0 || rc=$?
        else
            setpriv --reuid="$user" --regid="$user" --clear-groups -- env -i PATH="$PATH" HOME="$w/home" LANG=C.UTF-8 \
                bash "$work/drive.sh" "$w/settings.xml" "$w/repo" "$jdk" "$w/hello" "$w/run.sh" \
                >"$w/$tag.raw.out" 2>"$w/$tag.raw.err" && rc=0 || rc=$?
        fi
        # Maven 3.8's console library writes colour resets (ESC[0m) even in batch mode: not text anyone reads.
        for f in out err; do sed 's/\x1b\[[0-9;]*m//g' "$w/$tag.raw.$f" >"$w/$tag.$f"; done
        # The example compiled by this JDK's javac too, with every lint and -Werror.
        if [ -f "$w/hello/target/cp.txt" ]; then
            "$jdk/bin/javac" --release 17 -Xlint:all -Werror -cp "$(cat "$w/hello/target/cp.txt")" -d "$w/javac$v" \
                "$w/hello/src/main/java/Hello.java" >>"$w/$tag.err" 2>&1 || { echo "  javac $v: the example does not compile cleanly" >&2; fail=1; }
        fi
        sed 's/^/  | /' "$w/$tag.out"
        if [ $rc != 0 ]; then
            cat "$w/$tag.err" >&2; echo "quickstart-check: the quickstart failed on JDK $v as $user (exit $rc)" >&2; fail=1; continue
        fi
        if grep -qi 'warn' "$w/$tag.out" "$w/$tag.err"; then
            grep -i 'warn' "$w/$tag.out" "$w/$tag.err" >&2
            echo "quickstart-check: a warning was printed on JDK $v as $user" >&2; fail=1
        fi
        if grep -qiE 'error|exception' "$w/$tag.err"; then
            cat "$w/$tag.err" >&2; echo "quickstart-check: an error was printed on JDK $v as $user" >&2; fail=1
        fi
        grep -q "^hello from job-[0-9a-f]\{8\} as $expect\$" "$w/$tag.out" && grep -q '^EXITED, exit code 0$' "$w/$tag.out" \
            || { echo "quickstart-check: the example did not print what the text says on JDK $v as $user" >&2; fail=1; }
    done
}
check "$work" root job

# As an ordinary user (nobody, uid 65534: rootless, no delegated cgroup, so the example is a default job with its
# limits replaced): its own HOME and a copy of everything it reads, owned by it: the consumer, the staged library
# and, as its only other repository, the artifacts the run as root resolved (its throwaway local repository).
# QUICKSTART_AS_USER=0 leaves this out.
if [ "${QUICKSTART_AS_USER:-1}" = 1 ] && [ "$(id -u)" = 0 ] && [ -d "$work/repo" ]; then
    nw=$(mktemp -d /tmp/joblet-quickstart-nobody.XXXXXX)
    trap 'rm -rf "$nw"' EXIT
    chmod 755 "$nw"
    mkdir -p "$nw/home" "$nw/hello"
    cp -r "$app/src" "$app/pom.xml" "$nw/hello/"
    cp "$work/run.sh" "$nw/"
    cp -r "$stage" "$nw/staging"
    cp -r "$work/repo" "$nw/m2"
    sed -e "s|file://$stage|file://$nw/staging|g" -e "s|file://$HOME/.m2/repository|file://$nw/m2|g" \
        "$work/settings.xml" >"$nw/settings.xml"
    chown -R 65534:65534 "$nw"
    check "$nw" 65534 nobody
fi
[ $fail = 0 ] || exit 1
echo "quickstart-check: passed ($text, JDKs: ${jdks[*]})"
