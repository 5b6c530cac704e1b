#!/usr/bin/env bash
# Real-size benchmark: this library (ONNX Runtime) against PyTorch eager and Jlama on random-weight
# models with the published configs of Qwen2.5-0.5B, Qwen3-0.6B and Llama-3.2-1B (see
# benchmarks/README.md, "Real-size models"). Every measurement runs in a fresh process so that its
# peak RSS (VmHWM) is its own. Results: one JSON line per measurement in $OUT, then a table.
#
#   benchmarks/scale/run.sh [MODEL...]          (default: all three; run from anywhere)
#
# Environment: SCALE_CACHE (model directories, default ~/.cache/consistency4j-scale; about 4.7 GB),
# REPS (timed repetitions after one warm-up, default 3), MEASURES (default
# "load prefill decode1 decode16 lora cat"), ANCHORS (default "torch jlama"), TORCH_THREADS
# (default "1 2"), JAVA_THREADS (decode thread counts for this library and Jlama, default "1 2"),
# SKIP_BUILD=1 to reuse the jars, OUT (default benchmarks/target/scale-results.jsonl).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${SCALE_CACHE:-$HOME/.cache/consistency4j-scale}
REPS=${REPS:-3}
MEASURES=${MEASURES:-"load prefill decode1 decode16 lora cat"}
ANCHORS=${ANCHORS:-"torch jlama"}
TORCH_THREADS=${TORCH_THREADS:-"1 2"}
JAVA_THREADS=${JAVA_THREADS:-"1 2"}
OUT=${OUT:-$ROOT/benchmarks/target/scale-results.jsonl}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}
PY=${PY:-/usr/bin/python3}
MODELS=("$@")
if [ ${#MODELS[@]} -eq 0 ]; then MODELS=(qwen2.5-0.5b qwen3-0.6b llama-3.2-1b); fi

cd "$ROOT"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -ntp -q -pl benchmarks -am package -DskipTests
  case " $ANCHORS " in *" jlama "*)
    JAVA_HOME=$JAVA25 mvn -B -ntp -q -f benchmarks/jlama/pom.xml package -DskipTests ;;
  esac
fi
BENCH=(java -cp benchmarks/target/benchmarks.jar org.consistency4j.benchmarks.ScaleBenchmark)
JLAMA=("$JAVA25/bin/java" --add-modules jdk.incubator.vector --enable-preview
  -cp "benchmarks/jlama/target/benchmarks-jlama-0.1.0-SNAPSHOT.jar:benchmarks/jlama/target/lib/*"
  org.consistency4j.benchmarks.jlama.JlamaDecode)
mkdir -p "$(dirname "$OUT")"
echo "# $(date -u +%FT%TZ) $(uname -n) nproc=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"

record() {  # runs one measurement, appends its JSON line (or a failure line) to $OUT
  local line
  if line=$("$@" 2>/tmp/scale-bench.err | grep '^{' | tail -1) && [ -n "$line" ]; then
    echo "$line" | tee -a "$OUT"
  else
    local err
    err=$(tail -3 /tmp/scale-bench.err | tr '\n"\\' '   ')
    echo "{\"failed\": \"$*\", \"error\": \"$err\"}" | tee -a "$OUT"
  fi
}

"${BENCH[@]}" write "$CACHE" "${MODELS[@]}" 2>/dev/null
for m in "${MODELS[@]}"; do
  dir=$CACHE/$m
  for what in $MEASURES; do
    case $what in
      decode1|decode16) threads_list=$JAVA_THREADS ;;
      *) threads_list=1 ;;
    esac
    for t in $threads_list; do
      record "${BENCH[@]}" "$what" "$dir" "$t" "$REPS"
      # The weights held (copied, pre-packed) by ONNX Runtime's session instead of read in place.
      if [ "$what" = load ] || [ "$what" = decode1 ] && [ "$t" = 1 ]; then
        record java -Dconsistency4j.scaleWeights=session -cp benchmarks/target/benchmarks.jar \
          org.consistency4j.benchmarks.ScaleBenchmark "$what" "$dir" 1 "$REPS"
      fi
    done
    case " $ANCHORS " in *" torch "*)
      for t in $TORCH_THREADS; do
        record env OPENBLAS_NUM_THREADS="$t" OMP_NUM_THREADS="$t" "$PY" benchmarks/scale/torch_anchor.py \
          "$what" "$dir" "$t" "$REPS"
      done ;;
    esac
    case " $ANCHORS " in *" jlama "*)
      # Jlama 0.8.4 knows llama and qwen2 (not qwen3) and decodes one sequence at a time.
      if [ "$what" = decode1 ] && [ "$m" != qwen3-0.6b ]; then
        for t in $JAVA_THREADS; do record "${JLAMA[@]}" "$dir" "$t" "$REPS"; done
      fi ;;
    esac
  done
done
"$PY" benchmarks/scale/summarize.py "$OUT"
