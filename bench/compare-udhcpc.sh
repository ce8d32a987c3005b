#!/usr/bin/env bash
# Time to a lease as a user feels it: Start-DhcpLease in pwsh (module imported once per
# round, the cmdlet timed from call to the lease object) against busybox udhcpc
# (process start to exit with a lease), same dnsmasq, same interface, alternating
# rounds of COUNT leases each. Prints the medians in milliseconds and ours/udhcpc.
# udhcpc checks no address with ARP unless given -a, so by default ours runs with
# -NoConflictDetection too (RFC 5227's probe alone takes 4 to 7 s by design).
#   bench/compare-udhcpc.sh [ROUNDS] [COUNT] [START-DHCPLEASE ARGUMENTS...]    (root)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
count="${2:-5}"
shift 2 || true
extra="${*:--NoConflictDetection}"
command -v udhcpc >/dev/null || { echo "compare-udhcpc.sh: udhcpc missing (apt-get install udhcpc)" >&2; exit 1; }
pwsh="$(command -v pwsh || echo "$HOME/.dotnet/tools/pwsh")"

dotnet publish "$root/src/IscsiDhcp/IscsiDhcp.csproj" -c Release --nologo -v quiet >/dev/null
lab="$(bash "$root/tools/lab.sh" up --luns 1 --lun-size 1M --dhcp dnsmasq --lease-time 600 --owner $$)"
id="$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' <<<"$lab")"
trap 'bash "$root/tools/lab.sh" down "$id" >/dev/null' EXIT
iface="$(sed -n 's/.*"dhcpClientInterface": "\([^"]*\)".*/\1/p' <<<"$lab")"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ours=() theirs=()
for _ in $(seq "$rounds"); do
    # One pwsh per round, as a user at a prompt: import once, then COUNT leases, each released
    # after so that the next is a whole DORA, as each of udhcpc's is.
    while read -r ms; do ours+=("$ms"); done < <(NO_COLOR=1 "$pwsh" -NoProfile -NonInteractive -Command "
        \$ErrorActionPreference = 'Stop'
        Import-Module '$root/out/IscsiDhcp/IscsiDhcp.psd1'
        foreach (\$i in 1..$count) {
            \$watch = [Diagnostics.Stopwatch]::StartNew()
            \$null = Start-DhcpLease -InterfaceName '$iface' $extra
            [math]::Round(\$watch.Elapsed.TotalMilliseconds, 1)
            Stop-DhcpLease -InterfaceName '$iface' -Release -Confirm:\$false
        }")
    for _ in $(seq "$count"); do
        start=$(date +%s%N)
        udhcpc -i "$iface" -f -q -n -s /bin/true -t 5 -T 1 >/dev/null 2>&1
        end=$(date +%s%N)
        theirs+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", (e - s) / 1e6 }')")
    done
done
echo "ours: ${ours[*]}" >&2; echo "udhcpc: ${theirs[*]}" >&2
o="$(printf '%s\n' "${ours[@]}" | median)"
t="$(printf '%s\n' "${theirs[@]}" | median)"
ratio="$(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", (t > 0) ? o / t : 0 }')"
echo "{\"scenario\":\"dhcp-time-to-lease\",\"rounds\":$rounds,\"leasesPerRound\":$count,\"arguments\":\"$extra\",\"oursMedianMs\":$o,\"udhcpcMedianMs\":$t,\"oursOverUdhcpc\":$ratio}"
