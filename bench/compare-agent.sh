#!/usr/bin/env bash
# What going through the agent costs (issue 15). A real agent (pwsh, Start-IscsiDhcpAgent
# -Foreground, a socket of this run's own) holds a session to a lab tgtd; then
#  1. `IscsiDhcp.Bench agent-rpc`: the Status round trip and the session list through the agent
#     against the same list in-process (a session of the bench's own), one caller at a time, and
#     Status from 8 callers at once (commands per second); alternating rounds, medians;
#  2. as a user feels it: `Get-IscsiSession` in pwsh, the session in the agent against a session
#     in the shell (no agent for that shell), alternating rounds of 200 calls each, the median call.
# One JSON line per figure on stdout; round figures on stderr.
#   bench/compare-agent.sh [ROUNDS] [CALLS]   (root: it brings up a lab tgtd)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-5}"
calls="${2:-2000}"
export PATH="$PATH:$HOME/.dotnet/tools"
command -v pwsh >/dev/null || { echo "compare-agent.sh: pwsh missing (bash tests/install-powershell.sh)" >&2; exit 1; }
dotnet build "$root/bench/IscsiDhcp.Bench/IscsiDhcp.Bench.csproj" -c Release --nologo -v quiet >/dev/null
dotnet publish "$root/src/IscsiDhcp/IscsiDhcp.csproj" -c Release --nologo -v quiet >/dev/null
bench="$root/bench/IscsiDhcp.Bench/bin/Release/net10.0/IscsiDhcp.Bench.dll"
manifest="$root/out/IscsiDhcp/IscsiDhcp.psd1"

lab="$(bash "$root/tools/lab.sh" up --dhcp none --lun-size 16M --owner $$)"
id="$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' <<<"$lab")"
scratch="$(mktemp -d /var/tmp/compare-agent.XXXXXX)"
agent_pid=""
cleanup() {
    [ -n "$agent_pid" ] && { kill -TERM -- "-$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; }
    bash "$root/tools/lab.sh" down "$id" >/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT
portal="$(sed -n 's/.*"portal": "\([^"]*\)".*/\1/p' <<<"$lab")"
target="$(sed -n 's/.*"targetName": "\([^"]*\)".*/\1/p' <<<"$lab")"
host="${portal%:*}" port="${portal##*:}"
socket="$scratch/agent.sock"

ISCSIDHCP_AGENT_SOCKET="$socket" setsid pwsh -NoProfile -NonInteractive -Command \
    "Import-Module '$manifest'; Start-IscsiDhcpAgent -Foreground -StateDirectory '$scratch/state'" >"$scratch/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 300); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "compare-agent.sh: the agent did not start: $(cat "$scratch/agent.log")" >&2; exit 1; }
ISCSIDHCP_AGENT_SOCKET="$socket" pwsh -NoProfile -NonInteractive -Command \
    "Import-Module '$manifest'; \$null = Connect-IscsiTarget -NodeAddress '$target' -TargetPortalAddress '$host' -TargetPortalPortNumber $port -ErrorAction Stop"

dotnet "$bench" agent-rpc --socket "$socket" --portal "$portal" --target "$target" --rounds "$rounds" --calls "$calls"

# As a user feels it: one pwsh per round, the module imported and warmed up, then 200 calls timed one by one.
cmdlet_round() {   # SOCKET CONNECT-FIRST -> median ms of Get-IscsiSession
    ISCSIDHCP_AGENT_SOCKET="$1" pwsh -NoProfile -NonInteractive -Command "
        Import-Module '$manifest'
        if (\$$2) { \$null = Connect-IscsiTarget -NodeAddress '$target' -TargetPortalAddress '$host' -TargetPortalPortNumber $port -InitiatorName 'iqn.2026-11.org.iscsidhcp:bench-shell' -ErrorAction Stop }
        if (@(Get-IscsiSession).Count -ne 1) { throw 'expected one session' }
        1..20 | ForEach-Object { \$null = Get-IscsiSession }
        \$times = foreach (\$i in 1..200) { \$w = [Diagnostics.Stopwatch]::StartNew(); \$null = Get-IscsiSession; \$w.Elapsed.TotalMilliseconds }
        \$sorted = \$times | Sort-Object
        '{0:0.000}' -f ((\$sorted[99] + \$sorted[100]) / 2)
        if (\$$2) { Get-IscsiSession | Disconnect-IscsiTarget -Confirm:\$false }"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
a=() s=()
for r in $(seq "$rounds"); do
    a+=("$(cmdlet_round "$socket" false)")
    s+=("$(cmdlet_round "$scratch/no-agent.sock" true)")
    echo "compare-agent: round $r: Get-IscsiSession via agent ${a[-1]} ms, in the shell ${s[-1]} ms" >&2
done
am="$(printf '%s\n' "${a[@]}" | median)"
sm="$(printf '%s\n' "${s[@]}" | median)"
awk -v a="$am" -v s="$sm" -v r="$rounds" 'BEGIN {
    printf "{\"scenario\":\"get-iscsisession-cmdlet\",\"rounds\":%d,\"viaAgentMsMedian\":%.3f,\"inShellMsMedian\":%.3f,\"agentAddsMs\":%.3f}\n", r, a, s, a - s }'
