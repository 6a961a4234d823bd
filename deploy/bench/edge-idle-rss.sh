#!/usr/bin/env bash
# Resident memory of an edge agent holding N idle MQTT connections, for a given set of JVM options.
#
# Usage: deploy/bench/edge-idle-rss.sh "<jvm options>" [N]      (from the repository root; N default 10000)
#   e.g. MALLOC_ARENA_MAX=2 deploy/bench/edge-idle-rss.sh "-XX:+UseSerialGC -Xms16m -Xmx48m" 10000
# Env:   NMT=1 (add -XX:NativeMemoryTracking=summary to the options too) prints the native-memory diff caused by
#        the connections; HISTO=1 prints the live-heap class histogram; LOADGEN_SRC (mqtt_loadgen.c).
# The edge runs without a reachable hub; the connections come from the C load generator (1 publish/s in total).
# Needs `ulimit -n` above N.
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OPTS="${1:?JVM options, e.g. \"-XX:+UseSerialGC -Xmx48m\"}"
N="${2:-10000}"
mkdir -p target
[ -x target/mqtt_loadgen ] || gcc -O2 -o target/mqtt_loadgen "${LOADGEN_SRC:-$ROOT/../shared/tools/mqtt_loadgen.c}"
W="$(mktemp -d /tmp/edge-rss.XXXXXX)"
trap 'pkill -f "$W/" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
TRIBUTARY_OPTS="$OPTS" ./tributary edge --data-dir "$W/edge" --mqtt-port 0 --metrics-port -1 --hub 127.0.0.1:1 \
    --allow-anonymous >"$W/out" 2>"$W/err" &
for _ in $(seq 300); do grep -q '"event":"ready"' "$W/out" 2>/dev/null && break; sleep 0.1; done
PORT="$(grep '"event":"ready"' "$W/out" | sed 's/.*"port":\([0-9]*\).*/\1/')"
[ -n "$PORT" ] || { echo "edge-idle-rss: the edge did not start; see $W/err" >&2; exit 1; }
PID="$(pgrep -f "$W/edge" | head -1)"
[ -n "${NMT:-}" ] && jcmd "$PID" VM.native_memory baseline >/dev/null 2>&1
R0="$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")"
LG_TOPIC='tributary/g%d/d%d/temp' LG_GROUPS=4 timeout 120 target/mqtt_loadgen "$PORT" "$N" 1 100 25 1 2 1 \
    >"$W/loadgen.log" 2>&1 &
for _ in $(seq 600); do [ "$(ls "/proc/$PID/fd" | wc -l)" -ge "$N" ] && break; sleep 0.1; done
sleep 5
FDS="$(ls "/proc/$PID/fd" | wc -l)"
[ -n "${HISTO:-}" ] && jcmd "$PID" GC.class_histogram 2>/dev/null | (head -40; tail -1)
R1="$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")"
[ -n "${NMT:-}" ] && jcmd "$PID" VM.native_memory summary.diff 2>/dev/null | grep -E "committed=" | grep -v "^ *("
echo "opts=[$OPTS] open_fds=$FDS rss_before=$((R0 / 1024))MB rss_with_connections=$((R1 / 1024))MB"
