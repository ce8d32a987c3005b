#!/usr/bin/env bash
# Our DHCP client stack against kea's perfdhcp, same kea, same run: both relay (giaddr)
# from an address on the test network's client end, with the same number of clients and
# duration (the pool holds both sets of clients). Each runs ROUNDS times, alternating; prints the medians of exchanges per second
# (DISCOVER-OFFER-REQUEST-ACK completed), drops, and the ratio. Then the memory scenario.
#   bench/compare-perfdhcp.sh [SECONDS] [ROUNDS] [CLIENTS]     (root)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-5}"
rounds="${2:-3}"
clients="${3:-40}"
command -v perfdhcp >/dev/null || { echo "compare-perfdhcp.sh: perfdhcp missing (apt-get install kea-admin)" >&2; exit 1; }

dotnet build "$root/bench/IscsiDhcp.Bench/IscsiDhcp.Bench.csproj" -c Release --nologo -v quiet >/dev/null
bench="$root/bench/IscsiDhcp.Bench/bin/Release/net10.0/IscsiDhcp.Bench.dll"

lab="$(bash "$root/tools/lab.sh" up --dhcp kea --lease-time 3600 --range 10-250 --owner $$)"
id="$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' <<<"$lab")"
trap 'bash "$root/tools/lab.sh" down "$id" >/dev/null' EXIT
iface="$(sed -n 's/.*"dhcpClientInterface": "\([^"]*\)".*/\1/p' <<<"$lab")"
server="$(sed -n 's/.*"dhcpServerAddress": "\([^"]*\)".*/\1/p' <<<"$lab")"
relay="${server%.1}.2"
ip addr add "$relay/24" dev "$iface"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ours=() theirs=() our_drops=() their_drops=()
for _ in $(seq "$rounds"); do
    json="$(dotnet "$bench" dhcp-dora --relay "$relay" --server "$server" --clients "$clients" --seconds "$seconds")"
    ours+=("$(sed -n 's/.*"exchangesPerSec":\([0-9.]*\).*/\1/p' <<<"$json")")
    our_drops+=("$(sed -n 's/.*"drops":\([0-9]*\).*/\1/p' <<<"$json")")
    # perfdhcp sends at a fixed rate: its figure is the highest rate kea sustained for it
    # without drops (at most 0.1 %), stepping the rate up until drops appear.
    best=0 best_drops=0
    for rate in 500 1000 2000 4000 8000 16000 32000; do
        out="$(perfdhcp -4 -l "$iface" -r "$rate" -R "$clients" -p "$seconds" "$server" 2>&1 || true)"
        acks="$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /received packets:/ { print $3; exit }' <<<"$out")"
        sent="$(awk '/Statistics for: DISCOVER-OFFER/ { s = 1 } s && /sent packets:/ { print $3; exit }' <<<"$out")"
        drops=$(( ${sent:-0} - ${acks:-0} ))
        if [ "${sent:-0}" -eq 0 ] || [ $(( drops * 1000 )) -gt "${sent:-0}" ]; then break; fi
        best="$(awk -v a="${acks:-0}" -v s="$seconds" 'BEGIN { printf "%.0f", a / s }')"
        best_drops=$drops
    done
    theirs+=("$best")
    their_drops+=("$best_drops")
done
o="$(printf '%s\n' "${ours[@]}" | median)"
t="$(printf '%s\n' "${theirs[@]}" | median)"
ratio="$(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", (t > 0) ? o / t : 0 }')"
echo "{\"scenario\":\"dhcp-dora\",\"clients\":$clients,\"rounds\":$rounds,\"oursExchangesPerSec\":$o,\"oursDrops\":\"${our_drops[*]}\",\"perfdhcpExchangesPerSec\":$t,\"perfdhcpDrops\":\"${their_drops[*]}\",\"ratio\":$ratio}"
dotnet "$bench" dhcp-memory --leases 10000
