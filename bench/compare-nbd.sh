#!/usr/bin/env bash
# The LUN export over NBD (issue 16) against qemu-nbd serving the same LUN through libiscsi
# (qemu-block-extra's iscsi:// driver): nbdcopy from each export to null:, on the same lab tgtd LUN
# filled with random data. Rounds alternate (ours, qemu-nbd, ours, qemu-nbd ...); medians and the
# ours/qemu-nbd speed ratio are printed, one JSON line per figure (every time also goes to stderr).
# Each round also takes our own direct read (bench iscsi-read, supervised, 256 KiB x 64 as nbdcopy
# reads, a 2 s window after 1 s of warm-up), so the export's cost over the session is visible
# and its ratio is not skewed by the machine's speed drifting between the rounds and a read after them.
#   bench/compare-nbd.sh [ROUNDS] [SIZE] [EXTRA NBDCOPY ARGUMENTS...]   (root: it brings up a lab tgtd)
# Ours is the real agent (pwsh, Start-IscsiDhcpAgent -Foreground, a socket of this run's own)
# holding a session that Connect-IscsiTarget made, serving it on nbd.sock. Both servers are
# started before the rounds and stay up; each nbdcopy is timed around the whole process
# (connect, handshake, copy). A third figure is Copy-IscsiLun in pwsh on the agent-held
# session (the module's own NBD client, SHA-256 on) beside nbdcopy from the same export.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
size="${2:-512M}"
shift 2 2>/dev/null || shift $#
extra="$*"
command -v nbdcopy >/dev/null || { echo "compare-nbd.sh: nbdcopy missing (apt-get install libnbd-bin)" >&2; exit 1; }
command -v qemu-nbd >/dev/null || { echo "compare-nbd.sh: qemu-nbd missing (apt-get install qemu-utils qemu-block-extra)" >&2; exit 1; }
dotnet build "$root/bench/IscsiDhcp.Bench/IscsiDhcp.Bench.csproj" -c Release --nologo -v quiet >/dev/null
bench="$root/bench/IscsiDhcp.Bench/bin/Release/net10.0/IscsiDhcp.Bench.dll"

lab="$(bash "$root/tools/lab.sh" up --dhcp none --lun-size "$size" --owner $$)"
id="$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' <<<"$lab")"
scratch="$(mktemp -d /var/tmp/compare-nbd.XXXXXX)"
ours_pid="" qemu_pid=""
cleanup() {
    [ -n "$ours_pid" ] && { kill -TERM -- "-$ours_pid" 2>/dev/null || true; wait "$ours_pid" 2>/dev/null || true; }
    [ -n "$qemu_pid" ] && { kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true; }
    bash "$root/tools/lab.sh" down "$id" >/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT
portal="$(sed -n 's/.*"portal": "\([^"]*\)".*/\1/p' <<<"$lab")"
target="$(sed -n 's/.*"targetName": "\([^"]*\)".*/\1/p' <<<"$lab")"
lunfile="$(grep -o '"/[^"]*lun1.img"' <<<"$lab" | tr -d '"')"
bytes="$(stat -c %s "$lunfile")"
head -c "$bytes" /dev/urandom >"$lunfile"

# Ours: the agent, holding a session to the LUN and exporting it; a process group of its own, as
# pwsh installed as a .NET tool runs the agent in a child process that a signal to the launcher misses.
export PATH="$PATH:$HOME/.dotnet/tools"
dotnet publish "$root/src/IscsiDhcp/IscsiDhcp.csproj" -c Release --nologo -v quiet >/dev/null
manifest="$root/out/IscsiDhcp/IscsiDhcp.psd1"
export ISCSIDHCP_AGENT_SOCKET="$scratch/agent.sock"
# The thread pool setting is the one the systemd unit and the on-demand launcher give the agent.
DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 setsid pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; Start-IscsiDhcpAgent -Foreground -StateDirectory '$scratch/state'" >"$scratch/agent.log" 2>&1 &
ours_pid=$!
for _ in $(seq 300); do [ -S "$scratch/agent.sock" ] && break; sleep 0.1; done
[ -S "$scratch/agent.sock" ] || { echo "compare-nbd.sh: the agent did not start: $(cat "$scratch/agent.log")" >&2; exit 1; }
pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; \$null = Connect-IscsiTarget -NodeAddress '$target' -TargetPortalAddress '${portal%:*}' -TargetPortalPortNumber ${portal##*:} -ErrorAction Stop"
# Theirs: qemu-nbd on the same LUN through libiscsi, read-only, several clients allowed (nbdcopy may open 4).
qemu-nbd -f raw -r --persistent --shared=8 --socket="$scratch/qemu.sock" "iscsi://$portal/$target/1" &
qemu_pid=$!
for _ in $(seq 300); do
    [ -S "$scratch/qemu.sock" ] && break
    sleep 0.1
done
[ -S "$scratch/qemu.sock" ] || { echo "compare-nbd.sh: qemu-nbd did not start" >&2; exit 1; }
ours_uri="$(pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; (Get-IscsiLun -NodeAddress '$target' -Lun 1).ExportUri")"
qemu_uri="nbd+unix:///?socket=$scratch/qemu.sock"

copy() {   # copy URI -> seconds
    local start end
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    nbdcopy $extra "$1" null:
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Both exports must hold the LUN's bytes before anything is timed.
nbdcopy "$ours_uri" "$scratch/check.img"
cmp -s "$scratch/check.img" "$lunfile" || { echo "compare-nbd.sh: our export's copy differs from the LUN" >&2; exit 1; }
rm -f "$scratch/check.img"
# The agent is a daemon: the JIT compiles its export path during its first copies, once in its
# life (a fresh agent's first 512 MiB copy took 0.8-1.04 s of its CPU, later ones 0.3-0.5 s, with
# waves of tier-1 compilation of the per-connection path up to the 15th copy: nbdcopy opens
# several connections per copy). Untimed copies from each server before the rounds, so neither is timed cold.
for _ in $(seq 8); do nbdcopy "$ours_uri" null:; nbdcopy "$qemu_uri" null:; done

direct() {   # our direct read of the same LUN (no NBD), supervised as the export's session is -> MB/s
    dotnet "$bench" iscsi-read --portal "$portal" --target "$target" --lun 1 --block-size 262144 --queue-depth 64 --seconds 2 --supervised |
        sed -n 's/.*"mbPerSec":\([0-9.]*\).*/\1/p'
}

o=() t=() d=()
for r in $(seq "$rounds"); do
    o+=("$(copy "$ours_uri")")
    t+=("$(copy "$qemu_uri")")
    d+=("$(direct)")
    echo "compare-nbd: round $r: ours ${o[-1]} s, qemu-nbd ${t[-1]} s, our direct read ${d[-1]} MB/s" >&2
done
om="$(printf '%s\n' "${o[@]}" | median)"
tm="$(printf '%s\n' "${t[@]}" | median)"
dm="$(printf '%s\n' "${d[@]}" | median)"
awk -v r="$rounds" -v b="$bytes" -v o="$om" -v t="$tm" -v x="$extra" 'BEGIN {
    printf "{\"figure\":\"nbdcopy-to-null\",\"bytes\":%d,\"rounds\":%d,\"extraArguments\":\"%s\",\"oursSeconds\":%.3f,\"qemuNbdSeconds\":%.3f,\"oursMBps\":%.1f,\"qemuNbdMBps\":%.1f,\"ratio\":%.2f}\n",
        b, r, x, o, t, b / o / 1e6, b / t / 1e6, t / o }'

awk -v d="$dm" -v b="$bytes" -v o="$om" 'BEGIN {
    printf "{\"figure\":\"export-vs-direct-read\",\"directMBps\":%.1f,\"exportMBps\":%.1f,\"ratio\":%.2f}\n", d, b / o / 1e6, (b / o / 1e6) / d }'

# As a user copies it: Copy-IscsiLun in pwsh on the agent-held session (the module's NBD client,
# SHA-256 on, to a file) against nbdcopy from the same export to a file; alternating rounds.
cmdlet_copy() {
    pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'
        \$w = [Diagnostics.Stopwatch]::StartNew()
        Copy-IscsiLun -NodeAddress '$target' -Lun 1 -Direction LunToFile -Path '$scratch/cmdlet.img' -Confirm:\$false -ErrorAction Stop
        '{0:0.000}' -f \$w.Elapsed.TotalSeconds"
    rm -f "$scratch/cmdlet.img"
}
nbdcopy_file() {
    local start end
    start=$(date +%s.%N)
    nbdcopy "$ours_uri" "$scratch/nbdcopy.img"
    end=$(date +%s.%N)
    rm -f "$scratch/nbdcopy.img"
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}
c=() n=()
for r in $(seq "$rounds"); do
    c+=("$(cmdlet_copy)")
    n+=("$(nbdcopy_file)")
    echo "compare-nbd: round $r: Copy-IscsiLun via the agent ${c[-1]} s, nbdcopy from the export ${n[-1]} s" >&2
done
cm="$(printf '%s\n' "${c[@]}" | median)"
nm="$(printf '%s\n' "${n[@]}" | median)"
awk -v r="$rounds" -v b="$bytes" -v c="$cm" -v n="$nm" 'BEGIN {
    printf "{\"figure\":\"copy-iscsilun-via-agent-vs-nbdcopy-to-file\",\"bytes\":%d,\"rounds\":%d,\"copyIscsiLunSeconds\":%.3f,\"nbdcopySeconds\":%.3f,\"ratio\":%.2f}\n",
        b, r, c, n, n / c }'
