#!/usr/bin/env bash
# Splits a Java process's resident set at the end of its run into the Java heap's touched pages,
# file-backed pages and the rest (anonymous memory outside the heap: direct buffers such as the
# float32 weights, the JVM's own native memory, ONNX Runtime's). Runs COMMAND (a java command line),
# asks the JVM for its heap range once (jcmd GC.heap_info, 4 s after the start), copies
# /proc/PID/smaps every 2 s and splits the last copy. See benchmarks/README.md, "Where batched
# decoding's memory goes".
#
#   benchmarks/scale/rss_split.sh PREFIX java ...      (writes PREFIX.out, .err, .heapinfo, .smaps)
set -u
pre=$1
shift
"$@" > "$pre.out" 2> "$pre.err" &
pid=$!
sleep 4
jcmd "$pid" GC.heap_info > "$pre.heapinfo" 2>&1
while kill -0 "$pid" 2>/dev/null; do
  cp "/proc/$pid/smaps" "$pre.smaps.tmp" 2>/dev/null && [ -s "$pre.smaps.tmp" ] \
    && mv "$pre.smaps.tmp" "$pre.smaps"
  sleep 2
done
wait "$pid"
rc=$?
cat "$pre.out"
python3 - "$pre" <<'PY'
import re, sys
pre = sys.argv[1]
m = re.search(r'\[0x([0-9a-f]+), 0x([0-9a-f]+)\)', open(pre + '.heapinfo').read())
lo, hi = int(m.group(1), 16), int(m.group(2), 16)
maps, cur = [], None
for line in open(pre + '.smaps'):
    h = re.match(r'^([0-9a-f]+)-([0-9a-f]+) ', line)
    if h:
        cur = {'start': int(h.group(1), 16), 'Rss': 0, 'Anonymous': 0}
        maps.append(cur)
    elif line.split(':')[0] in ('Rss', 'Anonymous'):
        cur[line.split(':')[0]] = int(line.split()[1])
total = sum(x['Rss'] for x in maps)
heap = sum(x['Rss'] for x in maps if lo <= x['start'] < hi)
files = sum(x['Rss'] - x['Anonymous'] for x in maps)
print(f"resident {total / 1024:.0f} MiB: Java heap touched {heap / 1024:.0f}, file-backed "
      f"{files / 1024:.0f}, other anonymous {(total - heap - files) / 1024:.0f}")
PY
exit $rc
