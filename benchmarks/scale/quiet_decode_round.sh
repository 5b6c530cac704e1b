#!/usr/bin/env bash
# One interleaved decode round on the real-size shapes (benchmarks/README.md, "Quiet decode round"):
# this library before the linear-layout change (BASE jar), after it in both layouts (NEW jar, with
# -Dconsistency4j.scaleLinearLayout), Jlama 0.8.4 on the bf16 files and PyTorch eager. One fresh
# process per cell; each line of OUT is {"label", "load" (1-minute load at the end), "utc", "r"
# (the benchmark's own JSON line, null if it failed; its stderr is in $ERR)}.
#
#   benchmarks/scale/quiet_decode_round.sh NEW_JAR OUT
#
# Environment: BASE (the benchmarks.jar built from the commit to compare against), JLAMA_DIR
# (benchmarks/jlama/target as built by benchmarks/scale/run.sh), SCALE_CACHE (default /tmp/c4j-scale,
# written by `ScaleBenchmark write`), ROOT (for torch_anchor.py; default this checkout), JAVA25.
set -uo pipefail
NEW=$1; OUT=$2
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
J25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
BASE=${BASE:-/tmp/base/benchmarks/target/benchmarks.jar}
JLAMA_DIR=${JLAMA_DIR:-$ROOT/benchmarks/jlama/target}
CACHE=${SCALE_CACHE:-/tmp/c4j-scale}
ERR=${ERR:-/tmp/quiet-decode.err}
run() { # label cmd...
  local label=$1; shift
  local l; l=$("$@" 2>"$ERR" | grep '^{' | tail -1)
  echo "{\"label\":\"$label\",\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"utc\":\"$(date -u +%T)\",\"r\":${l:-null}}" | tee -a "$OUT"
}
one() { # who model what threads
  local who=$1 m=$2 w=$3 t=$4 d=$CACHE/$2
  case $who in
    base) run "$*" java -cp $BASE org.consistency4j.benchmarks.ScaleBenchmark $w $d $t 3 ;;
    batched) run "$*" java -Dconsistency4j.scaleLinearLayout=batched -cp $NEW org.consistency4j.benchmarks.ScaleBenchmark $w $d $t 3 ;;
    single) run "$*" java -Dconsistency4j.scaleLinearLayout=single_sequence -cp $NEW org.consistency4j.benchmarks.ScaleBenchmark $w $d $t 3 ;;
    jlama) run "$*" $J25 --add-modules jdk.incubator.vector --enable-preview -cp "$JLAMA_DIR/benchmarks-jlama-0.1.0-SNAPSHOT.jar:$JLAMA_DIR/lib/*" org.consistency4j.benchmarks.jlama.JlamaDecode $d $t 3 ;;
    torch) run "$*" env OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t /usr/bin/python3 "$ROOT/benchmarks/scale/torch_anchor.py" $w $d $t 3 ;;
  esac
}
for who in base batched single jlama torch; do one $who qwen2.5-0.5b decode1 1; done
for who in base batched single torch; do one $who qwen2.5-0.5b decode16 1; done
for who in batched single jlama torch; do one $who llama-3.2-1b decode1 1; done
for who in base batched single torch; do one $who llama-3.2-1b decode16 1; done
for who in batched single jlama torch; do one $who qwen2.5-0.5b decode1 2; done
for who in batched single torch; do one $who qwen2.5-0.5b decode16 2; done
