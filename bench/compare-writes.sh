#!/usr/bin/env bash
# Writes into one lab tgtd LUN: the bench's iscsi-write (direct session and --supervised, the path the
# cmdlets take) against qemu-img convert -n to an iscsi:// URL (libiscsi's block driver,
# qemu-block-extra) and nbdcopy into qemu-nbd serving the same iscsi:// URL (writable, --shared).
# All of them write the same bytes: one file of random data of the LUN's size, read from the page
# cache, sequentially into the LUN from LBA 0. Rounds alternate (ours, ours supervised, qemu-img,
# nbdcopy, ...); medians and ours/theirs speed ratios are printed, one JSON line per figure (every
# time also goes to stderr).
#   bench/compare-writes.sh [ROUNDS] [SIZE] [BLOCK-BYTES] [QUEUE-DEPTH]   (root: it brings up a lab tgtd)
# Defaults: 3 rounds, 512M, 1048576-byte writes, 8 in flight (qemu-img convert's own shape: 8
# coroutines; nbdcopy keeps its defaults, 256 KiB requests, 64 in flight over up to 4 connections).
#
# Every figure is measured twice a round, once per end-of-copy policy, the same for all:
#   flush:    ours --flush (SYNCHRONIZE CACHE after the last write, inside the timed window),
#             qemu-img convert -t writeback (flushes its destination at the end: SYNCHRONIZE CACHE),
#             nbdcopy --flush (NBD_CMD_FLUSH, which qemu-nbd passes on as SYNCHRONIZE CACHE);
#   noflush:  ours without --flush, qemu-img convert -t unsafe (its default for the destination:
#             never flushes), nbdcopy without --flush.
# Timing: qemu-img and nbdcopy around the whole process (start-up and login are a few ms; qemu-nbd
# is started before the rounds, logged in, and stays up). Ours from the first WRITE to the last
# completion (and the flush) inside the bench process (.NET start-up and login are outside, ~0.3 s);
# the same runs timed around the process are printed too (oursProcessSeconds).
# Before every timed run the LUN's file is overwritten with other random data (so the cmp after
# each run proves that this run wrote every byte; every writer meets the same allocated, cached
# file, as compare-qemu.sh's FileToLun does) and `sync` runs (nobody's dirty pages are written
# back inside a window).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
size="${2:-512M}"
block="${3:-1048576}"
depth="${4:-8}"
command -v qemu-img >/dev/null || { echo "compare-writes.sh: qemu-img missing (apt-get install qemu-utils qemu-block-extra)" >&2; exit 1; }
command -v qemu-nbd >/dev/null || { echo "compare-writes.sh: qemu-nbd missing (apt-get install qemu-utils qemu-block-extra)" >&2; exit 1; }
command -v nbdcopy >/dev/null || { echo "compare-writes.sh: nbdcopy missing (apt-get install libnbd-bin)" >&2; exit 1; }
dotnet build "$root/bench/IscsiDhcp.Bench/IscsiDhcp.Bench.csproj" -c Release --nologo -v quiet >/dev/null
bench="$root/bench/IscsiDhcp.Bench/bin/Release/net10.0/IscsiDhcp.Bench.dll"

lab="$(bash "$root/tools/lab.sh" up --dhcp none --lun-size "$size" --owner $$)"
id="$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' <<<"$lab")"
scratch="$(mktemp -d /var/tmp/compare-writes.XXXXXX)"
qemu_pid=""
cleanup() {
    [ -n "$qemu_pid" ] && { kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true; }
    bash "$root/tools/lab.sh" down "$id" >/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT
portal="$(sed -n 's/.*"portal": "\([^"]*\)".*/\1/p' <<<"$lab")"
target="$(sed -n 's/.*"targetName": "\([^"]*\)".*/\1/p' <<<"$lab")"
lunfile="$(grep -o '"/[^"]*lun1.img"' <<<"$lab" | tr -d '"')"
bytes="$(stat -c %s "$lunfile")"
url="iscsi://$portal/$target/1"

# The source: random data (no zero detection, no sparse shortcuts), read once so every writer
# reads it from the page cache.
head -c "$bytes" /dev/urandom >"$scratch/source.img"
head -c "$bytes" /dev/urandom >"$scratch/other.img"
cat "$scratch/source.img" >/dev/null

qemu-nbd -f raw --persistent --shared=8 --socket="$scratch/qemu.sock" "$url" &
qemu_pid=$!
for _ in $(seq 300); do [ -S "$scratch/qemu.sock" ] && break; sleep 0.1; done
[ -S "$scratch/qemu.sock" ] || { echo "compare-writes.sh: qemu-nbd did not start" >&2; exit 1; }
nbd_uri="nbd+unix:///?socket=$scratch/qemu.sock"

fresh() {   # the LUN holds none of the source's bytes (all of other.img's); nothing dirty is left to write back
    dd if="$scratch/other.img" of="$lunfile" bs=4M conv=notrunc status=none
    sync
}
check() {   # check WHO: the LUN holds exactly the source's bytes
    cmp -s "$scratch/source.img" "$lunfile" || { echo "compare-writes.sh: after $1 the LUN differs from the source" >&2; exit 1; }
}
elapsed() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.3f\n", e - s }'; }

ours() {   # ours POLICY [--supervised] -> "window-seconds process-seconds"
    local policy=$1 start end line flag=""
    shift
    [ "$policy" = flush ] && flag=--flush
    fresh
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    line="$(dotnet "$bench" iscsi-write --portal "$portal" --target "$target" --lun 1 --block-size "$block" --queue-depth "$depth" \
        --source "$scratch/source.img" $flag "$@")"
    end=$(date +%s.%N)
    check "iscsi-write $policy $*"
    echo "$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' <<<"$line") $(elapsed "$start" "$end")"
}
qemu_img() {   # qemu_img POLICY -> seconds
    local cache=unsafe start end
    [ "$1" = flush ] && cache=writeback
    fresh
    start=$(date +%s.%N)
    qemu-img convert -t "$cache" -n -f raw -O raw "$scratch/source.img" "$url"
    end=$(date +%s.%N)
    check "qemu-img convert -t $cache"
    elapsed "$start" "$end"
}
nbd_copy() {   # nbd_copy POLICY -> seconds
    local flag="" start end
    [ "$1" = flush ] && flag=--flush
    fresh
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    nbdcopy $flag "$scratch/source.img" "$nbd_uri"
    end=$(date +%s.%N)
    check "nbdcopy $flag"
    elapsed "$start" "$end"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for policy in flush noflush; do
    d=() dp=() s=() sp=() q=() n=()
    for r in $(seq "$rounds"); do
        x="$(ours "$policy")"; d+=("${x% *}"); dp+=("${x#* }")
        x="$(ours "$policy" --supervised)"; s+=("${x% *}"); sp+=("${x#* }")
        q+=("$(qemu_img "$policy")")
        n+=("$(nbd_copy "$policy")")
        echo "compare-writes: $policy round $r: iscsi-write ${d[-1]} s (process ${dp[-1]} s), supervised ${s[-1]} s (process ${sp[-1]} s), qemu-img ${q[-1]} s, nbdcopy ${n[-1]} s" >&2
    done
    qm="$(printf '%s\n' "${q[@]}" | median)"
    nm="$(printf '%s\n' "${n[@]}" | median)"
    for who in direct supervised; do
        if [ "$who" = direct ]; then om="$(printf '%s\n' "${d[@]}" | median)" opm="$(printf '%s\n' "${dp[@]}" | median)"
        else om="$(printf '%s\n' "${s[@]}" | median)" opm="$(printf '%s\n' "${sp[@]}" | median)"; fi
        awk -v f="$who" -v p="$policy" -v b="$bytes" -v r="$rounds" -v bs="$block" -v qd="$depth" -v o="$om" -v op="$opm" -v q="$qm" -v n="$nm" 'BEGIN {
            printf "{\"figure\":\"iscsi-write-%s\",\"policy\":\"%s\",\"bytes\":%d,\"rounds\":%d,\"blockSize\":%d,\"queueDepth\":%d,\"oursSeconds\":%.3f,\"oursProcessSeconds\":%.3f,\"qemuImgSeconds\":%.3f,\"nbdcopySeconds\":%.3f,\"oursMBps\":%.1f,\"qemuImgMBps\":%.1f,\"nbdcopyMBps\":%.1f,\"ratioQemuImg\":%.2f,\"ratioNbdcopy\":%.2f,\"processRatioQemuImg\":%.2f,\"processRatioNbdcopy\":%.2f}\n",
                f, p, b, r, bs, qd, o, op, q, n, b / o / 1e6, b / q / 1e6, b / n / 1e6, q / o, n / o, q / op, n / op }'
    done
done
