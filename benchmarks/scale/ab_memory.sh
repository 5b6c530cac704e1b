#!/usr/bin/env bash
# Interleaved A/B of ScaleBenchmark variants for speed and peak RSS, one fresh process per cell, in
# the order: for each round, for each measure, every variant. A variant is LABEL=JAR or
# LABEL=JAR:JVM_OPTION (one -D option). Prints one JSON line per cell with the 1-minute load average
# before it ("load1") and the label ("jar"); see benchmarks/README.md, "Where batched decoding's
# memory goes".
#
#   benchmarks/scale/ab_memory.sh MODEL_DIR ROUNDS "decode1 decode16" LABEL=JAR[:OPTION]...
#
# Environment: THREADS (default 1), REPS (default 3).
set -euo pipefail
DIR=$1
ROUNDS=$2
MEASURES=$3
shift 3
THREADS=${THREADS:-1}
REPS=${REPS:-3}
for r in $(seq 1 "$ROUNDS"); do
  for what in $MEASURES; do
    for variant in "$@"; do
      label=${variant%%=*}
      spec=${variant#*=}
      jar=${spec%%:*}
      opt=-Dconsistency4j.abLabel=$label
      if [ "$spec" != "$jar" ]; then opt=${spec#*:}; fi
      load=$(cut -d' ' -f1 /proc/loadavg)
      if line=$(java "$opt" -cp "$jar" org.consistency4j.benchmarks.ScaleBenchmark "$what" "$DIR" \
          "$THREADS" "$REPS" 2>/tmp/ab-memory.err | grep '^{' | tail -1) && [ -n "$line" ]; then
        echo "${line%\}}, \"load1\": $load, \"jar\": \"$label\", \"round\": $r}"
      else
        echo "{\"failed\": \"$label $what\", \"load1\": $load, \"error\": \"$(tail -2 /tmp/ab-memory.err | tr '\n"\\' '   ')\"}"
      fi
    done
  done
done
