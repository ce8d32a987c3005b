#!/usr/bin/env bash
# Our initiator against libiscsi's iscsi-perf, same tgtd LUN, same run, matched shapes:
# 64 KiB x 16 and 4 KiB x 32 sequential reads. Each pair runs ROUNDS times, alternating,
# and the medians and their ratio are printed (machines here are shared and noisy), with CPU
# time per I/O: user+system time of the initiator process only, over a steady window after a
# warm-up (ours measures its own process over its window; iscsi-perf is sampled from
# /proc/PID/stat at the start and end of the same window, its I/Os counted from its
# per-second "iops current" lines in that window).
#   bench/compare-libiscsi.sh [SECONDS] [ROUNDS] [--supervised]     (root: it brings up a lab tgtd)
# --supervised: ours runs through the supervised session the cmdlets use.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-5}"
rounds="${2:-3}"
supervised="${3:-}"
warmup=2
tick="$(getconf CLK_TCK)"
command -v iscsi-perf >/dev/null || { echo "compare-libiscsi.sh: iscsi-perf missing (apt-get install libiscsi-bin)" >&2; exit 1; }

dotnet build "$root/bench/IscsiDhcp.Bench/IscsiDhcp.Bench.csproj" -c Release --nologo -v quiet >/dev/null
bench="$root/bench/IscsiDhcp.Bench/bin/Release/net10.0/IscsiDhcp.Bench.dll"

# A lab owned by this script: the next lab run reaps it even if we are killed.
lab="$(bash "$root/tools/lab.sh" up --dhcp none --lun-size 1G --owner $$)"
id="$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' <<<"$lab")"
trap 'bash "$root/tools/lab.sh" down "$id" >/dev/null' EXIT
portal="$(sed -n 's/.*"portal": "\([^"]*\)".*/\1/p' <<<"$lab")"
target="$(sed -n 's/.*"targetName": "\([^"]*\)".*/\1/p' <<<"$lab")"
# The LUN's backing file in the page cache before anything is timed: otherwise the first run
# (always ours) pays tgtd's first reads of a fresh file (seen: 280-430 MB/s against 750-1150 after).
lunfile="$(grep -o '"/[^"]*lun1.img"' <<<"$lab" | tr -d '"')"
cat "$lunfile" >/dev/null

cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # utime + stime, in clock ticks

# iscsi_perf DEPTH BLOCKS -> "MBPS CPU-US-PER-IO" over the steady window
iscsi_perf() {
    local depth=$1 blocks=$2 out pid before after
    out="$(mktemp)"
    iscsi-perf -m "$depth" -b "$blocks" "iscsi://$portal/$target/1" >"$out" 2>&1 &
    pid=$!
    sleep "$warmup"; before="$(cputicks "$pid")"
    sleep "$seconds"; after="$(cputicks "$pid")"
    kill -INT "$pid"; wait "$pid" || true
    # Lines 00:00:0(warmup+1) .. 00:00:(warmup+seconds): the seconds inside the window.
    tr '\r' '\n' <"$out" | awk -v first="$((warmup + 1))" -v last="$((warmup + seconds))" -v blocks="$blocks" -v cpu="$((after - before))" -v tick="$tick" '
        /iops current/ { split($1, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
                         if (s >= first && s <= last) { for (i = 1; i <= NF; i++) if ($i == "current") { ios += $(i + 1); n++ } } }
        END { if (n == 0) { print "0 0"; exit } printf "%.1f %.2f\n", ios * blocks * 512 / n / 1e6, cpu / tick * 1e6 / (ios * (last - first + 1) / n) }'
    rm -f "$out"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for shape in "65536 16" "4096 32"; do
    set -- $shape
    block=$1 depth=$2
    ours=() theirs=() ourcpu=() theircpu=() allocs=()
    for _ in $(seq "$rounds"); do
        json="$(dotnet "$bench" iscsi-read --portal "$portal" --target "$target" --lun 1 --block-size "$block" --queue-depth "$depth" --seconds "$seconds" $supervised)"
        ours+=("$(sed -n 's/.*"mbPerSec":\([0-9.]*\).*/\1/p' <<<"$json")")
        ourcpu+=("$(sed -n 's/.*"cpuUsPerIo":\([0-9.]*\).*/\1/p' <<<"$json")")
        allocs+=("$(sed -n 's/.*"allocatedBytesPerIo":\([0-9.]*\).*/\1/p' <<<"$json")")
        read -r mb cpu <<<"$(iscsi_perf "$depth" "$((block / 512))")"
        theirs+=("$mb") theircpu+=("$cpu")
        echo "compare-libiscsi: ${block}x${depth}: ours ${ours[-1]} MB/s ${ourcpu[-1]} us/io, iscsi-perf $mb MB/s $cpu us/io" >&2
    done
    o="$(printf '%s\n' "${ours[@]}" | median)"
    t="$(printf '%s\n' "${theirs[@]}" | median)"
    oc="$(printf '%s\n' "${ourcpu[@]}" | median)"
    tc="$(printf '%s\n' "${theircpu[@]}" | median)"
    alloc="$(printf '%s\n' "${allocs[@]}" | median)"
    ratio="$(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", (t > 0) ? o / t : 0 }')"
    cratio="$(awk -v o="$oc" -v t="$tc" 'BEGIN { printf "%.2f", (t > 0) ? o / t : 0 }')"
    echo "{\"shape\":\"${block}x${depth}\",\"rounds\":$rounds,\"supervised\":$([ -n "$supervised" ] && echo true || echo false),\"oursMBps\":$o,\"iscsiPerfMBps\":$t,\"ratio\":$ratio,\"oursCpuUsPerIo\":$oc,\"iscsiPerfCpuUsPerIo\":$tc,\"cpuRatio\":$cratio,\"oursAllocatedBytesPerIo\":$alloc}"
done
