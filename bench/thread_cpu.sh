#!/bin/bash
# CPU per instruction of each thread of the server, for one ingest_bench scenario.
#
#   bench/thread_cpu.sh [-n ROUNDS] SCENARIO BINARY...
#   e.g. bench/thread_cpu.sh -n 3 "batch 1, 64" build/bench/src/app/quanzu /tmp/quanzu-old
#
# Runs `ingest_bench --only SCENARIO --binary B` for each binary in turn, ROUNDS times,
# samples /proc/PID/task/*/stat of the server until it exits, and prints the scenario's
# throughput and each thread's CPU microseconds per instruction, threads named by their id
# less the server's pid (+0 is main, i.e. start-up; the others in order of creation: the
# store's checkpointer, its writer, ..., the HTTP threads last; other processes' pids may
# fall in between). CPU per instruction varies much less with other load on the machine than
# throughput does; compare binaries in one run.
set -euo pipefail
rounds=1
if [[ "${1:-}" == "-n" ]]; then rounds=$2; shift 2; fi
scenario=$1; shift
bench=${INGEST_BENCH:-$(dirname "$0")/../build/bench/bench/ingest_bench}
for ((r = 1; r <= rounds; ++r)); do
  for binary in "$@"; do
    log=$(mktemp)
    "$bench" --binary "$binary" --only "$scenario" >"$log" 2>&1 &
    bench_pid=$!
    pid=""
    for _ in $(seq 1 200); do
      pid=$(grep -o 'server pid [0-9]*' "$log" | head -1 | awk '{print $3}' || true)
      [[ -n "$pid" ]] && break
      sleep 0.05
    done
    declare -A ticks=()
    while kill -0 "$pid" 2>/dev/null; do
      for f in /proc/"$pid"/task/*/stat; do
        t=$(basename "$(dirname "$f")")
        v=$(awk '{print $14 + $15}' "$f" 2>/dev/null || true)
        [[ -n "$v" ]] && ticks[$t]=$v
      done
      sleep 0.2
    done
    wait "$bench_pid" || true
    row=$(grep "^| $scenario" "$log" | head -1)
    n=$(echo "$row" | awk -F'|' '{print $3}')
    hz=$(getconf CLK_TCK)
    threads=""
    for t in $(printf '%s\n' "${!ticks[@]}" | sort -n); do
      us=$(awk -v v="${ticks[$t]}" -v n="$n" -v hz="$hz" 'BEGIN{printf "%.0f", v * 1e6 / hz / n}')
      [[ "$us" != 0 ]] && threads="$threads +$((t - pid))=${us}"
    done
    echo "$row" | awk -F'|' -v b="$(basename "$binary")" -v th="$threads" \
      '{printf "%-16s %s/s p99 %s ms, server CPU %s, load %s | us per instruction by thread:%s\n", b, $6, $8, $12, $16, th}'
    unset ticks
    rm -f "$log"
  done
done
