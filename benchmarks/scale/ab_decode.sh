#!/usr/bin/env bash
# Interleaved decode A/B: two builds of benchmarks.jar (say main's and a branch's) and Jlama 0.8.4 on
# the same model directory, one fresh process per measurement, ROUNDS rounds of
#   base decode1, branch decode1, Jlama decode1, base decode16, branch decode16
# at THREADS intra-op threads. Prints one JSON line per measurement with the 1-minute load average
# before it ("load1") and the jar ("jar"); see benchmarks/README.md, "Linear-layer layout with weights
# read in place". Build the jars first (from the repository root):
#   mvn -B -ntp -q -o -pl benchmarks -am package -DskipTests     (in each source tree)
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -ntp -q -o -f benchmarks/jlama/pom.xml package -DskipTests
#
#   benchmarks/scale/ab_decode.sh BASE_JAR BRANCH_JAR MODEL_DIR [ROUNDS] [THREADS] [REPS]
#
# Environment: MEASURES (default "decode1 decode16"), JLAMA=0 to skip Jlama, JAVA25 (default
# /usr/lib/jvm/temurin-25-jdk-amd64).
set -euo pipefail
BASE=$1
BRANCH=$2
DIR=$3
ROUNDS=${4:-3}
THREADS=${5:-1}
REPS=${6:-3}
MEASURES=${MEASURES:-"decode1 decode16"}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

one() {  # label, command...: runs it, prints its JSON line with the load average and the label
  local label=$1
  shift
  local load line
  load=$(cut -d' ' -f1 /proc/loadavg)
  if line=$("$@" 2>/tmp/ab-decode.err | grep '^{' | tail -1) && [ -n "$line" ]; then
    echo "${line%\}}, \"load1\": $load, \"jar\": \"$label\"}"
  else
    echo "{\"failed\": \"$label $*\", \"load1\": $load, \"error\": \"$(tail -2 /tmp/ab-decode.err | tr '\n"\\' '   ')\"}"
  fi
}

for r in $(seq 1 "$ROUNDS"); do
  for what in $MEASURES; do
    one base java -cp "$BASE" org.consistency4j.benchmarks.ScaleBenchmark "$what" "$DIR" "$THREADS" "$REPS"
    one branch java -cp "$BRANCH" org.consistency4j.benchmarks.ScaleBenchmark "$what" "$DIR" "$THREADS" "$REPS"
    if [ "$what" = decode1 ] && [ "${JLAMA:-1}" != 0 ]; then
      one jlama "$JAVA25/bin/java" --add-modules jdk.incubator.vector --enable-preview \
        -cp "$ROOT/benchmarks/jlama/target/benchmarks-jlama-0.1.0-SNAPSHOT.jar:$ROOT/benchmarks/jlama/target/lib/*" \
        org.consistency4j.benchmarks.jlama.JlamaDecode "$DIR" "$THREADS" "$REPS"
    fi
  done
done
