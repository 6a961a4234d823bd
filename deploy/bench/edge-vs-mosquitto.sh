#!/usr/bin/env bash
# Edge agent vs Mosquitto under the same independent C load generator (../shared/tools/mqtt_loadgen.c).
# 100-byte QoS 1 publishes from 10 connections: as fast as the window allows (window 100), then paced at 50,000/s;
# PUBACK p50/p99 from the generator, edge CPU-seconds per million acked publishes (from /proc/<pid>/stat), edge RSS
# with 10,000 nearly idle connections (1 publish/s in total). Ends with one JSON line on stdout.
# Pinning: the broker under test (edge agent or mosquitto) on CPU 0; the generator and the hub on CPU 1.
# The edge acknowledges after fsync (buffer log group commit); Mosquitto acknowledges without fsync.
#
# `./tributary bench edge` runs the same comparison and more (RSS of a fresh edge, backlog drain); see docs/benchmarks.md.
# Mosquitto gets set_tcp_nodelay true, as the edge has TCP_NODELAY: without it Nagle holds its PUBACKs (2-3x slower).
#
# Usage: deploy/bench/edge-vs-mosquitto.sh            (from the repository root; jars built by ./mvnw install)
# Env:   DURATION (s, default 10) WARMUP (s, 2) PROFILE=1 (JFR of the edge during the max run) IDLE_CONNS (10000; 0 skips)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-2}"; IDLE_CONNS="${IDLE_CONNS:-10000}"
CPU_BROKER="${CPU_BROKER:-0}"; CPU_LOAD="${CPU_LOAD:-1}"
WORK="$(mktemp -d /tmp/edge-bench.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { echo "bench: $*" >&2; }

# (a) the load generator
SRC=""
for s in "${LOADGEN_SRC:-}" "$ROOT/../shared/tools/mqtt_loadgen.c" "$ROOT/../../shared/tools/mqtt_loadgen.c"; do
    if [ -n "$s" ] && [ -f "$s" ]; then SRC="$s"; break; fi
done
[ -n "$SRC" ] || { echo "bench: mqtt_loadgen.c not found (set LOADGEN_SRC)" >&2; exit 2; }
mkdir -p target
gcc -O2 -o target/mqtt_loadgen "$SRC"
LG="$ROOT/target/mqtt_loadgen"

# Waits (bounded) for a JSON ready line in a file and prints the value of "port".
ready_port() {
    for _ in $(seq 600); do
        if grep -q '"event":"ready"' "$1" 2>/dev/null; then
            grep '"event":"ready"' "$1" | head -1 | sed 's/.*"port":\([0-9]*\).*/\1/'
            return 0
        fi
        sleep 0.1
    done
    echo "bench: no ready line in $1" >&2; cat "${1%.out}.err" >&2 || true; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
CLK_TCK="$(getconf CLK_TCK)"

# Runs the generator; prints its RESULT line. Args: port conns window rate warmup duration
loadgen() {
    LG_TOPIC='tributary/g%d/d%d/temp' LG_GROUPS=4 timeout $(( ${6%.*} + ${5%.*} + 60 )) \
        taskset -c "$CPU_LOAD" "$LG" "$1" "$2" 1 100 "$6" "$3" "$4" "$5" | tee -a "$WORK/loadgen.log" | grep '^RESULT' | tail -1
}
field() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }

# (b) a hub and an edge agent from the launcher
log "hub and edge agent; work dir $WORK"
TRIBUTARY_OPTS="-Xmx512m" taskset -c "$CPU_LOAD" ./tributary hub --data-dir "$WORK/hub" --port 0 --metrics-port -1 \
    >"$WORK/hub.out" 2>"$WORK/hub.err" &
PIDS+=($!)
HUB_PORT="$(ready_port "$WORK/hub.out")"
./tributary admin --hub "127.0.0.1:$HUB_PORT" streams create telemetry --shards 4 >/dev/null
TRIBUTARY_OPTS="${EDGE_OPTS:--Xms256m -Xmx256m}" taskset -c "$CPU_BROKER" ./tributary edge --data-dir "$WORK/edge" \
    --mqtt-port 0 --metrics-port -1 --hub "127.0.0.1:$HUB_PORT" --stream telemetry --allow-anonymous \
    >"$WORK/edge.out" 2>"$WORK/edge.err" &
EDGE_PID=$!
PIDS+=($EDGE_PID)
EDGE_PORT="$(ready_port "$WORK/edge.out")"

# (c) the edge: max rate (window 100), then 50,000/s
PROFILE_PID=""
if [ "${PROFILE:-0}" = "1" ]; then
    ( sleep "$WARMUP"; jcmd "$EDGE_PID" JFR.start settings=profile duration=$((DURATION - 1))s filename="$WORK/edge.jfr" >/dev/null ) &
    PROFILE_PID=$!
fi
c0="$(cpu_ticks "$EDGE_PID")"
EDGE_MAX="$(loadgen "$EDGE_PORT" 10 100 0 "$WARMUP" "$DURATION")"
c1="$(cpu_ticks "$EDGE_PID")"
[ -z "$PROFILE_PID" ] || wait "$PROFILE_PID" || true
EDGE_PACED="$(loadgen "$EDGE_PORT" 10 100 50000 "$WARMUP" "$DURATION")"
c2="$(cpu_ticks "$EDGE_PID")"
log "edge max:   $EDGE_MAX"
log "edge 50k/s: $EDGE_PACED"
acked_all() { grep '^TOTAL' "$WORK/loadgen.log" | sed -n "${1}p" | sed 's/.*acked=\([0-9]*\).*/\1/'; }
EDGE_CPU_PER_M="$(awk -v t="$((c2 - c0))" -v hz="$CLK_TCK" -v n="$(( $(acked_all 1) + $(acked_all 2) ))" \
    'BEGIN { printf "%.2f", (t / hz) / (n / 1e6) }')"

# (e) idle connections: RSS of the edge with IDLE_CONNS connections and 1 publish/s in total
EDGE_IDLE_RSS_MB=null
if [ "$IDLE_CONNS" -gt 0 ]; then
    LG_TOPIC='tributary/g%d/d%d/temp' LG_GROUPS=4 timeout 120 taskset -c "$CPU_LOAD" "$LG" "$EDGE_PORT" "$IDLE_CONNS" \
        1 100 2 1 1 15 >"$WORK/idle.log" 2>&1 &
    IDLE_PID=$!
    for _ in $(seq 600); do
        [ "$(ls /proc/"$EDGE_PID"/fd | wc -l)" -ge "$IDLE_CONNS" ] && break
        kill -0 "$IDLE_PID" 2>/dev/null || break
        sleep 0.1
    done
    sleep 3
    if [ "$(ls /proc/"$EDGE_PID"/fd | wc -l)" -ge "$IDLE_CONNS" ]; then
        EDGE_IDLE_RSS_MB="$(( $(rss_kb "$EDGE_PID") / 1024 ))"
    else
        log "idle connections did not all open (see $WORK/idle.log); RSS not measured"
    fi
    wait "$IDLE_PID" || true
fi
kill "$EDGE_PID" 2>/dev/null || true

# (d) Mosquitto under the same load (acks without fsync)
MOSQ_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n' "$MOSQ_PORT" \
    >"$WORK/mosquitto.conf"
taskset -c "$CPU_BROKER" mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
MOSQ_PID=$!
PIDS+=($MOSQ_PID)
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$MOSQ_PORT") 2>/dev/null && break; sleep 0.1; done
MOSQ_MAX="$(loadgen "$MOSQ_PORT" 10 100 0 "$WARMUP" "$DURATION")"
MOSQ_PACED="$(loadgen "$MOSQ_PORT" 10 100 50000 "$WARMUP" "$DURATION")"
log "mosquitto max:   $MOSQ_MAX"
log "mosquitto 50k/s: $MOSQ_PACED"

if [ -f "$WORK/edge.jfr" ]; then
    log "edge JFR execution samples, top frames ($WORK/edge.jfr):"
    jfr print --events jdk.ExecutionSample "$WORK/edge.jfr" | grep -A1 'stackTrace = \[' | grep -v 'stackTrace\|--' \
        | sed 's/line:.*//' | sort | uniq -c | sort -rn | head -15 >&2 || true
fi

EM="$(field "$EDGE_MAX" throughput)"; MM="$(field "$MOSQ_MAX" throughput)"
printf '{"bench":"edge-vs-mosquitto","conns":10,"qos":1,"payload_bytes":100,"duration_s":%s,' "$DURATION"
printf '"edge":{"max_msgs_per_s":%s,"max_p50_ms":%s,"max_p99_ms":%s,"paced_target":50000,"paced_msgs_per_s":%s,"paced_p50_ms":%s,"paced_p99_ms":%s,"cpu_s_per_million":%s,"rss_mb_idle_conns":%s,"idle_conns":%s},' \
    "$EM" "$(field "$EDGE_MAX" p50)" "$(field "$EDGE_MAX" p99)" "$(field "$EDGE_PACED" throughput)" \
    "$(field "$EDGE_PACED" p50)" "$(field "$EDGE_PACED" p99)" "$EDGE_CPU_PER_M" "$EDGE_IDLE_RSS_MB" "$IDLE_CONNS"
printf '"mosquitto":{"max_msgs_per_s":%s,"max_p50_ms":%s,"max_p99_ms":%s,"paced_msgs_per_s":%s,"paced_p50_ms":%s,"paced_p99_ms":%s},' \
    "$MM" "$(field "$MOSQ_MAX" p50)" "$(field "$MOSQ_MAX" p99)" "$(field "$MOSQ_PACED" throughput)" \
    "$(field "$MOSQ_PACED" p50)" "$(field "$MOSQ_PACED" p99)"
printf '"edge_to_mosquitto_max_ratio":%s}\n' "$(awk -v a="$EM" -v b="$MM" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
