#!/usr/bin/env bash
# Precision-matched batch-1 decode against Jlama 0.8.4 on the real-size shapes (benchmarks/README.md,
# "Precision-matched decode against Jlama"), in one command:
#
#   benchmarks/scale/precision_round.sh OUT.jsonl
#
# Cells, each one fresh process (ScaleBenchmark decode1 / JlamaDecode: median of REPS timed 32-token
# greedy generations after a warm-up):
#   c4j-f32-batched, c4j-f32-single  this library, float32 weights, the two RuntimeOptions.LinearLayouts
#   c4j-as-stored                    this library, the bf16 weights read as stored (WeightPrecision.AS_STORED)
#   c4j-int8, c4j-int4               this library, MatMulNBits weights (int8 activations)
#   jlama-bf16                       Jlama on the bf16 file as it is (bf16 weights, bf16-rounded activations)
#   jlama-f32                        Jlama on a float32 copy of the same weights (bf16_to_f32.py)
#   jlama-jq4                        Jlama on its own offline Q4 file (JlamaQuantize), float32 activations
#   jlama-jq4-i8                     the same with int8 activations (llama-3.2-1b only: for qwen2.5-0.5b's
#                                    hidden size 896 Jlama falls back to float32 activations on AVX-512)
#   jlama-q4-load (not by default)   Jlama's load-time Q4, which leaves q/k/v/gate/up in bf16
#   jlama-i8-load (1 thread only)    Jlama's load-time I8 weights: fails, the exception is recorded
#   jlama-native-bf16, jlama-native-f32, jlama-native-jq4 (not by default)
#                                    as above with Jlama's native kernels (jlama-native, lib-native/)
#                                    instead of its Vector API ones
# for MODELS x THREADS, interleaved (cell order reversed in every other round), ROUNDS rounds.
# Each line of OUT: {"label", "utc", "load" (1-minute load average when the cell ended), "r" (the
# benchmark's JSON line, null if it failed), "err" (the failure's last exception line, if any)}.
#
# Setup, done once and skipped when present: the bf16 models in SCALE_CACHE (ScaleBenchmark write),
# their float32 copies and Jlama Q4 files in PREC_CACHE. Needs the jars:
#   mvn -B -ntp -q -pl benchmarks -am package -DskipTests
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -ntp -q -f benchmarks/jlama/pom.xml package -DskipTests
# Environment: JAR (benchmarks.jar), JLAMA_DIR (benchmarks/jlama/target), SCALE_CACHE (/tmp/c4j-scale),
# PREC_CACHE (/tmp/c4j-precision), JAVA25, MODELS ("qwen2.5-0.5b llama-3.2-1b"), THREADS ("1 2"),
# ROUNDS (1), REPS (3), CELLS (the default cells above), ERR (stderr of the last cell), DRY_RUN=1
# (print the expected duration and stop).
set -uo pipefail
OUT=${1:?usage: precision_round.sh OUT.jsonl}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
JAR=${JAR:-$ROOT/benchmarks/target/benchmarks.jar}
JLAMA_DIR=${JLAMA_DIR:-$ROOT/benchmarks/jlama/target}
CACHE=${SCALE_CACHE:-/tmp/c4j-scale}
PREC=${PREC_CACHE:-/tmp/c4j-precision}
J25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
MODELS=${MODELS:-qwen2.5-0.5b llama-3.2-1b}
THREADS=${THREADS:-1 2}
ROUNDS=${ROUNDS:-1}
REPS=${REPS:-3}
CELLS=${CELLS:-c4j-f32-batched c4j-f32-single c4j-int8 c4j-int4 jlama-bf16 jlama-f32 jlama-jq4 jlama-jq4-i8 jlama-i8-load}
ERR=${ERR:-/tmp/precision-round.err}
JLAMA_CP="$JLAMA_DIR/benchmarks-jlama-0.1.0-SNAPSHOT.jar:$JLAMA_DIR/lib/*"
JL=("$J25" --add-modules jdk.incubator.vector --enable-preview -cp "$JLAMA_CP")
JLN=("$J25" --add-modules jdk.incubator.vector --enable-preview --enable-native-access=ALL-UNNAMED
  -cp "$JLAMA_CP:$JLAMA_DIR/lib-native/*")

for f in "$JAR" "$JLAMA_DIR/benchmarks-jlama-0.1.0-SNAPSHOT.jar" "$J25"; do
  [[ -e $f ]] || { echo "precision_round.sh: missing $f (see the build commands in this script)" >&2; exit 2; }
done

cells_for() { # model threads -> the cells that apply
  local c
  for c in $CELLS; do
    [[ $c == jlama-jq4-i8 && $1 != llama-3.2-1b ]] && continue
    [[ $c == jlama-i8-load && $2 != 1 ]] && continue
    echo "$c"
  done
}

# Expected duration: seconds per cell (process start to end: load, warm-up, 2 x REPS generations),
# medians of three 1-thread rounds on 2026-12-07 at load 3-6; a two-thread cell counted at 0.8x.
est_cell() { # cell model threads
  local s
  case $1 in
    c4j-f32-batched | jlama-f32 | jlama-q4-load | jlama-native-f32) s=(29 56) ;;
    c4j-f32-single | c4j-as-stored | jlama-bf16 | jlama-jq4-i8 | jlama-native-bf16) s=(26 50) ;;
    c4j-int8) s=(17 34) ;;
    c4j-int4) s=(17 24) ;;
    jlama-jq4 | jlama-native-jq4) s=(19 31) ;;
    *) s=(8 15) ;;
  esac
  local v=${s[0]}
  [[ $2 == llama* ]] && v=${s[1]}
  ((${3} > 1)) && v=$((v * 8 / 10))
  echo "$v"
}
est=0
for m in $MODELS; do
  for t in $THREADS; do
    for c in $(cells_for "$m" "$t"); do est=$((est + $(est_cell "$c" "$m" "$t"))); done
  done
done
est=$((est * ROUNDS * REPS / 3))
echo "precision_round.sh: about $((est / 60)) min $((est % 60)) s expected (setup not counted; ROUNDS=$ROUNDS REPS=$REPS)" >&2

[[ ${DRY_RUN:-0} == 1 ]] && exit 0

# Setup (once).
for m in $MODELS; do
  if [[ ! -f $CACHE/$m/model.safetensors ]]; then
    java -cp "$JAR" org.consistency4j.benchmarks.ScaleBenchmark write "$CACHE" "$m" >&2 || exit 1
  fi
  if [[ ! -f $PREC/$m-f32/model.safetensors ]]; then
    /usr/bin/python3 "$ROOT/benchmarks/scale/bf16_to_f32.py" "$CACHE/$m" "$PREC/$m-f32" >&2 || exit 1
  fi
  if [[ ! -f $PREC/$m-jq4/model.safetensors ]]; then
    rm -rf "$PREC/$m-jq4"
    "${JL[@]}" org.consistency4j.benchmarks.jlama.JlamaQuantize "$PREC/$m-f32" Q4 "$PREC/$m-jq4" \
      >&2 || exit 1
  fi
done

run() { # label cmd...
  local label=$1; shift
  local l e
  l=$("$@" 2>"$ERR" | grep '^{' | tail -1)
  e=$(grep -E '^(Caused by|Exception)' "$ERR" | tail -1 | tr -d '\r' | sed 's/\\/\\\\/g; s/"/\\"/g')
  echo "{\"label\":\"$label\",\"utc\":\"$(date -u +%FT%TZ)\",\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"r\":${l:-null}${e:+,\"err\":\"$e\"}}" | tee -a "$OUT"
}

cell() { # cell model threads
  local c=$1 m=$2 t=$3 label="$1 $2 $3"
  local sb=(org.consistency4j.benchmarks.ScaleBenchmark decode1 "$CACHE/$m" "$t" "$REPS")
  local jd=org.consistency4j.benchmarks.jlama.JlamaDecode
  case $c in
    c4j-f32-batched) run "$label" java -Dconsistency4j.scaleLinearLayout=batched -cp "$JAR" "${sb[@]}" ;;
    c4j-f32-single) run "$label" java -Dconsistency4j.scaleLinearLayout=single_sequence -cp "$JAR" "${sb[@]}" ;;
    c4j-as-stored) run "$label" java -Dconsistency4j.scaleWeightPrecision=as_stored -cp "$JAR" "${sb[@]}" ;;
    c4j-int8) run "$label" java -Dconsistency4j.scaleQuantization=int8 -cp "$JAR" "${sb[@]}" ;;
    c4j-int4) run "$label" java -Dconsistency4j.scaleQuantization=int4 -cp "$JAR" "${sb[@]}" ;;
    jlama-bf16) run "$label" "${JL[@]}" $jd "$CACHE/$m" "$t" "$REPS" ;;
    jlama-f32) run "$label" "${JL[@]}" $jd "$PREC/$m-f32" "$t" "$REPS" ;;
    jlama-jq4) run "$label" "${JL[@]}" $jd "$PREC/$m-jq4" "$t" "$REPS" ;;
    jlama-jq4-i8) run "$label" "$J25" -Djlama.workingQuantization=I8 "${JL[@]:1}" $jd "$PREC/$m-jq4" "$t" "$REPS" ;;
    jlama-q4-load) run "$label" "$J25" -Djlama.quantization=Q4 "${JL[@]:1}" $jd "$CACHE/$m" "$t" "$REPS" ;;
    jlama-native-bf16) run "$label" "${JLN[@]}" $jd "$CACHE/$m" "$t" "$REPS" ;;
    jlama-native-f32) run "$label" "${JLN[@]}" $jd "$PREC/$m-f32" "$t" "$REPS" ;;
    jlama-native-jq4) run "$label" "${JLN[@]}" $jd "$PREC/$m-jq4" "$t" "$REPS" ;;
    jlama-i8-load) run "$label" "$J25" -Djlama.quantization=I8 "${JL[@]:1}" $jd "$PREC/$m-f32" "$t" 1 ;;
    *) echo "precision_round.sh: unknown cell $c" >&2; exit 2 ;;
  esac
}

for ((r = 0; r < ROUNDS; r++)); do
  for t in $THREADS; do
    for m in $MODELS; do
      mapfile -t cs < <(cells_for "$m" "$t")
      if ((r % 2 == 1)); then
        mapfile -t cs < <(printf '%s\n' "${cs[@]}" | tac)
      fi
      for c in "${cs[@]}"; do cell "$c" "$m" "$t"; done
    done
  done
done
/usr/bin/python3 "$ROOT/benchmarks/scale/precision_summary.py" "$OUT"
