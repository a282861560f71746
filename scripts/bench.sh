#!/usr/bin/env bash
# Measures apply and no-op plan of a spec against `reconcile emulator`:
# wall time and requests per operation (the emulator's counter).
#
#   scripts/bench.sh SPEC [LABEL]
#
# Environment:
#   PROFILE=debug|release   which build of target/<profile>/reconcile (default debug;
#                           the script does not build: `cargo build [--release]` first)
#   LATENCY_MS=20           latency the emulator adds to every AWS request
#   QUOTAS=0|1              AWS's per-operation rates, 429 beyond (reconcile emulator --quotas)
#   PARALLELISM=8           apply --parallelism
#   PERSIST=1               give the emulator a --state file (0: state in memory only)
#   PLAN_RUNS=3             no-op plans to time (each after a counter reset)
#   OUT=DIR                 where results go (default /tmp/reconcile-bench/<label>)
#
# Steps: start the emulator on a free port with a fresh state file, apply the
# spec (--auto-approve), then reset the counters and run a no-op
# `plan --detailed-exitcode` (must exit 0) PLAN_RUNS times, recording time and
# counts of each; finally one more no-op plan with the emulator's latency set
# to 0 (PUT /_emulator/knobs), which shows the cost of everything but the
# round trips (process start, planning, the emulator's own work).
# Writes OUT/apply-counts.json, OUT/plan-counts.json, OUT/summary.json and
# prints a summary. The emulator (the only process this starts) is stopped on
# exit.
set -euo pipefail

spec=${1:?usage: scripts/bench.sh SPEC [LABEL]}
label=${2:-$(basename "$spec" .yaml)}
root=$(cd "$(dirname "$0")/.." && pwd)
profile=${PROFILE:-debug}
latency=${LATENCY_MS:-20}
quotas=${QUOTAS:-0}
parallelism=${PARALLELISM:-8}
persist=${PERSIST:-1}
plan_runs=${PLAN_RUNS:-3}
out=${OUT:-/tmp/reconcile-bench/$label}
bin="$root/target/$profile/reconcile"
[[ -x $bin ]] || { echo "no $bin; build it first (cargo build --bin reconcile ${profile/debug/})" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
export AWS_ACCESS_KEY_ID=AKIDBENCHMARK AWS_SECRET_ACCESS_KEY=benchmark-secret AWS_REGION=us-east-1
unset AWS_PROFILE AWS_ENDPOINT_URL || true

emu_args=(emulator --port 0 --latency-ms "$latency")
[[ $persist == 1 ]] && emu_args+=(--state "$out/emulator-state.json")
[[ $quotas == 1 ]] && emu_args+=(--quotas)
"$bin" "${emu_args[@]}" > "$out/emulator.out" 2> "$out/emulator.err" &
emu_pid=$!
cleanup() { kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; }
trap cleanup EXIT

url=
for _ in $(seq 100); do
  url=$(head -n1 "$out/emulator.out" 2>/dev/null || true)
  [[ $url == http://* ]] && break
  kill -0 "$emu_pid" 2>/dev/null || { cat "$out/emulator.err" >&2; exit 1; }
  sleep 0.1
done
[[ $url == http://* ]] || { echo "emulator did not print its URL" >&2; exit 1; }

now() { date +%s.%N; }
counts() { curl -fsS "$url/_emulator/counts"; }
reset() { curl -fsS -X POST "$url/_emulator/reset" > /dev/null; }
total() { jq '[.[]] | add // 0' "$1"; }

common=(--state-dir "$out/state")

reset
t0=$(now)
set +e
"$bin" "${common[@]}" apply "$spec" --endpoint-url "$url" --auto-approve \
  --parallelism "$parallelism" --color never > "$out/apply.out" 2> "$out/apply.err"
apply_rc=$?
set -e
t1=$(now)
counts > "$out/apply-counts.json"
apply_s=$(echo "$t1 - $t0" | bc)

noop_plan() { # $1: tag
  reset
  local t0 t1 rc
  t0=$(now)
  set +e
  "$bin" "${common[@]}" plan "$spec" --endpoint-url "$url" --detailed-exitcode \
    --color never > "$out/plan-$1.out" 2> "$out/plan-$1.err"
  rc=$?
  set -e
  t1=$(now)
  counts > "$out/plan-$1-counts.json"
  echo "$rc $(echo "$t1 - $t0" | bc)"
}

plan_times=()
plan_rc=0
for i in $(seq "$plan_runs"); do
  read -r rc secs < <(noop_plan "$i")
  [[ $rc == 0 ]] || plan_rc=$rc
  plan_times+=("$secs")
  cmp -s <(jq -S . "$out/plan-1-counts.json") <(jq -S . "$out/plan-$i-counts.json") \
    || echo "warning: no-op plan $i sent other requests than plan 1" >&2
done
cp "$out/plan-1-counts.json" "$out/plan-counts.json"
plan_s=$(printf '%s\n' "${plan_times[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')

# The same plan with no added latency.
curl -fsS "$url/_emulator/knobs" | jq '.latency_ms = 0' \
  | curl -fsS -X PUT -H 'content-type: application/json' --data-binary @- "$url/_emulator/knobs" > /dev/null
read -r plan0_rc plan0_s < <(noop_plan zero-latency)
[[ $plan0_rc == 0 ]] || plan_rc=$plan0_rc
load=$(cut -d' ' -f1-3 /proc/loadavg)

jq -n \
  --arg name "$label" --arg spec "$spec" --arg profile "$profile" \
  --argjson latency "$latency" --argjson quotas "$quotas" --argjson parallelism "$parallelism" \
  --argjson apply_rc "$apply_rc" --argjson apply_s "$apply_s" \
  --argjson plan_rc "$plan_rc" --argjson plan_s "$plan_s" --argjson plan0_s "$plan0_s" \
  --argjson persist "$persist" --arg times "${plan_times[*]}" --arg load "$load" \
  --slurpfile ac "$out/apply-counts.json" --slurpfile pc "$out/plan-counts.json" \
  '{"label": $name, spec: $spec, profile: $profile, latency_ms: $latency, quotas: ($quotas == 1),
    parallelism: $parallelism, persist: ($persist == 1), loadavg: $load,
    apply: {exit: $apply_rc, seconds: $apply_s, requests: ([$ac[0][]] | add // 0), counts: $ac[0]},
    noop_plan: {exit: $plan_rc, median_seconds: $plan_s, runs: ($times | split(" ") | map(tonumber)),
                zero_latency_seconds: $plan0_s, requests: ([$pc[0][]] | add // 0), counts: $pc[0]}}' \
  > "$out/summary.json"

echo "== $label ($spec): profile $profile, latency ${latency} ms, quotas $quotas, persist $persist, parallelism $parallelism, load $load"
printf 'apply:        exit %s  %7.2f s  %5s requests\n' "$apply_rc" "$apply_s" "$(total "$out/apply-counts.json")"
printf 'no-op plan:   exit %s  %7.2f s  %5s requests  (median of: %s)\n' "$plan_rc" "$plan_s" "$(total "$out/plan-counts.json")" "${plan_times[*]}"
printf 'no-op plan at 0 ms latency: %.2f s\n' "$plan0_s"
echo "no-op plan requests per operation:"
jq -r 'to_entries[] | "  \(.key) \(.value)"' "$out/plan-counts.json"
echo "apply requests per operation:"
jq -r 'to_entries[] | "  \(.key) \(.value)"' "$out/apply-counts.json"
echo "details: $out (apply.out/err, plan-*.out/err, *-counts.json, summary.json)"
[[ $apply_rc == 0 && $plan_rc == 0 ]] || { echo "apply or the no-op plan did not succeed (see above)" >&2; exit 1; }
