#!/usr/bin/env bash
# Runs a command, samples its process's /proc/PID/status every second into LOG (RssAnon, RssFile,
# VmRSS, VmHWM in kB, plus the load average) and stops it (by its pid) when RssAnon passes LIMIT_KB
# (default 19 GiB). Used for the Llama-3.1-8B runs in benchmarks/README.md.
#
#   benchmarks/scale/watch-rss.sh LOG COMMAND...      (COMMAND may be /usr/bin/time -v java ...)
set -u
log=$1; shift
limit=${LIMIT_KB:-$((19 * 1024 * 1024))}
"$@" &
pid=$!
sleep 2
target=$(pgrep -P "$pid" | head -1)   # the java child of /usr/bin/time, if any
target=${target:-$pid}
maxanon=0
while kill -0 "$pid" 2>/dev/null; do
  if [ -r "/proc/$target/status" ]; then
    read -r anon file rss hwm < <(awk '/^RssAnon/{a=$2}/^RssFile/{f=$2}/^VmRSS/{r=$2}/^VmHWM/{h=$2}
      END{print a+0, f+0, r+0, h+0}' "/proc/$target/status")
    echo "$(date -u +%T) anon_kb=$anon file_kb=$file rss_kb=$rss hwm_kb=$hwm load=$(cut -d' ' -f1 /proc/loadavg)" >> "$log"
    if [ "$anon" -gt "$maxanon" ]; then maxanon=$anon; fi
    if [ "$anon" -gt "$limit" ]; then
      echo "KILLED: RssAnon $anon kB > $limit kB" >> "$log"
      kill "$target"
    fi
  fi
  sleep 1
done
wait "$pid"; rc=$?
echo "exit=$rc max_anon_kb=$maxanon" >> "$log"
exit $rc
