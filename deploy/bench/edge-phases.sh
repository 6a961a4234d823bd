#!/usr/bin/env bash
# Load phases against ONE warm edge agent (and its hub), to see the edge after JIT warm-up, which the single-pass
# benchmarks (bench edge, edge-vs-mosquitto.sh) do not: each phase reuses the same processes.
#
# Usage: deploy/bench/edge-phases.sh CONNS:WINDOW:RATE:SECONDS ...   (from the repository root; RATE 0 = max)
#   e.g. deploy/bench/edge-phases.sh 10:100:20000:10 10:100:20000:15 10:100:0:15
# Env:   EDGE_OPTS (JVM options of the edge, default -Xms256m -Xmx256m), LOADGEN_SRC (mqtt_loadgen.c)
# Prints the generator's RESULT line per phase and the edge's CPU-seconds per million publishes of that phase.
# Edge pinned to CPU 0; hub and generator to CPU 1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[ $# -gt 0 ] || { sed -n '2,9p' "$0"; exit 2; }
SRC="${LOADGEN_SRC:-$ROOT/../shared/tools/mqtt_loadgen.c}"
mkdir -p target
[ -x target/mqtt_loadgen ] || gcc -O2 -o target/mqtt_loadgen "$SRC"
W="$(mktemp -d /tmp/edge-phases.XXXXXX)"
trap 'pkill -f "$W/" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
ready_port() {
    for _ in $(seq 600); do
        if grep -q '"event":"ready"' "$1" 2>/dev/null; then
            grep '"event":"ready"' "$1" | head -1 | sed 's/.*"port":\([0-9]*\).*/\1/'; return 0
        fi
        sleep 0.1
    done
    echo "edge-phases: no ready line in $1" >&2; exit 1
}
TRIBUTARY_OPTS="-Xmx512m" taskset -c 1 ./tributary hub --data-dir "$W/hub" --port 0 --metrics-port -1 \
    >"$W/hub.out" 2>"$W/hub.err" &
HUB_PORT="$(ready_port "$W/hub.out")"
./tributary admin --hub "127.0.0.1:$HUB_PORT" streams create telemetry --shards 4 >/dev/null
TRIBUTARY_OPTS="${EDGE_OPTS:--Xms256m -Xmx256m}" taskset -c 0 ./tributary edge --data-dir "$W/edge" --mqtt-port 0 \
    --metrics-port -1 --hub "127.0.0.1:$HUB_PORT" --stream telemetry --allow-anonymous >"$W/edge.out" 2>"$W/edge.err" &
EDGE_PORT="$(ready_port "$W/edge.out")"
EDGE_PID="$(pgrep -f "$W/edge" | head -1)"
HZ="$(getconf CLK_TCK)"
for phase in "$@"; do
    IFS=: read -r conns window rate seconds <<<"$phase"
    t0="$(awk '{print $14 + $15}' "/proc/$EDGE_PID/stat")"
    result="$(LG_TOPIC='tributary/g%d/d%d/temp' LG_GROUPS=4 timeout $((seconds + 60)) taskset -c 1 \
        target/mqtt_loadgen "$EDGE_PORT" "$conns" 1 100 "$seconds" "$window" "$rate" 2 | grep '^RESULT' | tail -1)"
    t1="$(awk '{print $14 + $15}' "/proc/$EDGE_PID/stat")"
    acked="$(echo "$result" | sed -n 's/.*acked=\([0-9]*\).*/\1/p')"
    echo "[$phase] $result"
    awk -v t="$((t1 - t0))" -v hz="$HZ" -v n="$acked" \
        'BEGIN { printf "    edge CPU %.1f s in the phase (2 s warm-up included), %.1f CPU-s per million acked\n", t / hz, (t / hz) / (n / 1e6) }'
done
