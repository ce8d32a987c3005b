#!/usr/bin/env bash
# Copy-IscsiLun as users run it (pwsh, module imported, -PassThru: SHA-256 and progress on)
# against qemu-img convert with an iscsi:// URL (libiscsi's block driver, qemu-block-extra),
# both directions, on the same lab tgtd LUN filled with random data. Rounds alternate
# (ours, qemu-img, ours, qemu-img ...); medians and ours/qemu-img speed ratios are printed,
# one JSON line per figure (every time also goes to stderr).
#   bench/compare-qemu.sh [ROUNDS] [SIZE] [EXTRA COPY-ISCSILUN ARGUMENTS...]   (root: it brings up a lab tgtd)
# Ours is timed around Copy-IscsiLun inside pwsh (start-up, Import-Module and Connect-IscsiTarget
# are outside the window); qemu-img is timed around the whole process (its start-up and login
# are a few milliseconds). Both write their file in the same directory; ours fsyncs it before it
# takes its name (a finished copy is on disk), qemu-img convert with its default cache mode
# ('unsafe') does not; so each round also times `qemu-img convert -t writeback`, which flushes its
# destination at the end as ours does (the file, or the LUN with SYNCHRONIZE CACHE), and a second
# line per direction gives ours against that.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
size="${2:-512M}"
shift 2 2>/dev/null || shift $#
extra="$*"
command -v qemu-img >/dev/null || { echo "compare-qemu.sh: qemu-img missing (apt-get install qemu-utils qemu-block-extra)" >&2; exit 1; }
pwsh="$(command -v pwsh || echo "$HOME/.dotnet/tools/pwsh")"
manifest="$root/out/IscsiDhcp/IscsiDhcp.psd1"
[ -f "$manifest" ] || dotnet publish "$root/src/IscsiDhcp/IscsiDhcp.csproj" -c Release --nologo -v quiet >/dev/null

lab="$(bash "$root/tools/lab.sh" up --dhcp none --lun-size "$size" --owner $$)"
id="$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' <<<"$lab")"
scratch="$(mktemp -d /var/tmp/compare-qemu.XXXXXX)"
trap 'bash "$root/tools/lab.sh" down "$id" >/dev/null; rm -rf "$scratch"' EXIT
portal="$(sed -n 's/.*"portal": "\([^"]*\)".*/\1/p' <<<"$lab")"
target="$(sed -n 's/.*"targetName": "\([^"]*\)".*/\1/p' <<<"$lab")"
lunfile="$(grep -o '"/[^"]*lun1.img"' <<<"$lab" | tr -d '"')"
host="${portal%:*}" port="${portal##*:}"
bytes="$(stat -c %s "$lunfile")"

# The LUN and the source file hold random data (no zero detection, no sparse shortcuts).
head -c "$bytes" /dev/urandom >"$scratch/source.img"
cp "$scratch/source.img" "$lunfile"
url="iscsi://$portal/$target/1"

ours() {   # ours DIRECTION -> seconds
    local direction=$1 path
    if [ "$direction" = LunToFile ]; then path="$scratch/ours.img"; rm -f "$path"; else path="$scratch/source.img"; fi
    sync   # nobody's dirty pages (the last round's, the set-up's) are written back inside this window
    "$pwsh" -NoProfile -NonInteractive -Command "
        \$ErrorActionPreference = 'Stop'
        Import-Module '$manifest'
        \$s = Connect-IscsiTarget -TargetPortalAddress $host -TargetPortalPortNumber $port -NodeAddress '$target'
        try {
            \$clock = [Diagnostics.Stopwatch]::StartNew()
            \$r = Copy-IscsiLun -SessionIdentifier \$s.SessionIdentifier -Lun 1 -Direction $direction -Path '$path' -PassThru -Confirm:\$false $extra
            \$clock.Stop()
            if (-not \$r.Sha256) { throw 'no SHA-256' }
            [Console]::Out.WriteLine(\$clock.Elapsed.TotalSeconds.ToString([Globalization.CultureInfo]::InvariantCulture))
        } finally { \$s | Disconnect-IscsiTarget -Confirm:\$false }
    " | tail -1
}

theirs() {   # theirs DIRECTION CACHE-MODE -> seconds
    local direction=$1 cache=$2 start end
    rm -f "$scratch/qemu.img"
    sync
    start=$(date +%s.%N)
    if [ "$direction" = LunToFile ]; then
        qemu-img convert -t "$cache" -f raw -O raw "$url" "$scratch/qemu.img"
    else
        qemu-img convert -t "$cache" -n -f raw -O raw "$scratch/source.img" "$url"
    fi
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for direction in LunToFile FileToLun; do
    o=() t=() f=()
    for r in $(seq "$rounds"); do
        o+=("$(ours "$direction")")
        t+=("$(theirs "$direction" unsafe)")
        f+=("$(theirs "$direction" writeback)")
        echo "compare-qemu: $direction round $r: ours ${o[-1]} s, qemu-img ${t[-1]} s, qemu-img -t writeback ${f[-1]} s" >&2
    done
    if [ "$direction" = LunToFile ]; then
        cmp -s "$scratch/ours.img" "$lunfile" || { echo "compare-qemu: our copy differs from the LUN" >&2; exit 1; }
    else
        cmp -s "$scratch/source.img" "$lunfile" || { echo "compare-qemu: the LUN differs from the file copied into it" >&2; exit 1; }
    fi
    om="$(printf '%s\n' "${o[@]}" | median)"
    for anchor in unsafe writeback; do
        if [ "$anchor" = unsafe ]; then tm="$(printf '%s\n' "${t[@]}" | median)"; else tm="$(printf '%s\n' "${f[@]}" | median)"; fi
        awk -v d="$direction" -v a="$anchor" -v r="$rounds" -v b="$bytes" -v o="$om" -v t="$tm" -v x="$extra" 'BEGIN {
            printf "{\"direction\":\"%s\",\"qemuImgCache\":\"%s\",\"bytes\":%d,\"rounds\":%d,\"extraArguments\":\"%s\",\"oursSeconds\":%.3f,\"qemuImgSeconds\":%.3f,\"oursMBps\":%.1f,\"qemuImgMBps\":%.1f,\"ratio\":%.2f}\n",
                d, a, b, r, x, o, t, b / o / 1e6, b / t / 1e6, t / o }'
    done
done
