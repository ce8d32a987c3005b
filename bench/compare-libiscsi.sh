#!/usr/bin/env bash
# Our initiator against libiscsi's iscsi-perf, same tgtd LUN, same run, matched shapes:
# 64 KiB x 16 and 4 KiB x 32 sequential reads. Each pair runs ROUNDS times, alternating,
# and the medians and their ratio are printed (machines here are shared and noisy).
#   bench/compare-libiscsi.sh [SECONDS] [ROUNDS]      (root: it brings up a lab tgtd)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-5}"
rounds="${2:-3}"
command -v iscsi-perf >/dev/null || { echo "compare-libiscsi.sh: iscsi-perf missing (apt-get install libiscsi-bin)" >&2; exit 1; }

dotnet build "$root/bench/IscsiDhcp.Bench/IscsiDhcp.Bench.csproj" -c Release --nologo -v quiet >/dev/null
bench="$root/bench/IscsiDhcp.Bench/bin/Release/net10.0/IscsiDhcp.Bench.dll"

# A lab owned by this script: the next lab run reaps it even if we are killed.
lab="$(bash "$root/tools/lab.sh" up --dhcp none --lun-size 1G --owner $$)"
id="$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' <<<"$lab")"
trap 'bash "$root/tools/lab.sh" down "$id" >/dev/null' EXIT
portal="$(sed -n 's/.*"portal": "\([^"]*\)".*/\1/p' <<<"$lab")"
target="$(sed -n 's/.*"targetName": "\([^"]*\)".*/\1/p' <<<"$lab")"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for shape in "65536 16" "4096 32"; do
    set -- $shape
    block=$1 depth=$2
    ours=() theirs=()
    for _ in $(seq "$rounds"); do
        json="$(dotnet "$bench" iscsi-read --portal "$portal" --target "$target" --lun 1 --block-size "$block" --queue-depth "$depth" --seconds "$seconds")"
        ours+=("$(sed -n 's/.*"mbPerSec":\([0-9.]*\).*/\1/p' <<<"$json")")
        alloc="$(sed -n 's/.*"allocatedBytesPerIo":\([0-9.]*\).*/\1/p' <<<"$json")"
        # iscsi-perf runs until interrupted; its last "iops average" line is the run's figure.
        line="$(timeout -s INT "$((seconds + 1))" iscsi-perf -m "$depth" -b "$((block / 512))" "iscsi://$portal/$target/1" 2>&1 | tr '\r' '\n' \
            | grep -o 'iops average [0-9]* ([0-9]* MB/s)' | tail -1 || true)"
        theirs+=("$(sed -n 's/.*(\([0-9]*\) MB\/s).*/\1/p' <<<"$line")")
    done
    o="$(printf '%s\n' "${ours[@]}" | median)"
    t="$(printf '%s\n' "${theirs[@]}" | median)"
    ratio="$(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", (t > 0) ? o / t : 0 }')"
    echo "{\"shape\":\"${block}x${depth}\",\"rounds\":$rounds,\"oursMBps\":$o,\"iscsiPerfMBps\":$t,\"ratio\":$ratio,\"oursAllocatedBytesPerIo\":$alloc}"
done
