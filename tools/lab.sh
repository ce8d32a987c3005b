#!/usr/bin/env bash
# The lab: real iSCSI and DHCP peers on this machine, for trying the module by hand.
#   tools/lab.sh up [--chap USER:SECRET] [--dhcp dnsmasq|kea|none] ...   bring up, leave running
#   tools/lab.sh hold [...]     bring up until Ctrl+C, then remove
#   tools/lab.sh status         what runs, who owns it, what is alive
#   tools/lab.sh down [ID]      remove what 'up' left, and orphans of killed runs
# It runs tests/IscsiDhcp.Lab, the same code the xunit fixtures use. Needs root on Linux
# and the peers (tests/run.sh installs them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "$(id -u)" -ne 0 ]; then
    echo "lab.sh: run as root (network namespaces, veth pairs, tgtd)" >&2
    exit 1
fi
if ! command -v dotnet >/dev/null 2>&1; then
    echo "lab.sh: the .NET SDK (dotnet) is not on PATH" >&2
    exit 1
fi
if ! build_log="$(dotnet build "$root/tests/IscsiDhcp.Lab/IscsiDhcp.Lab.csproj" -c Release --nologo -v quiet 2>&1)"; then
    echo "$build_log" >&2
    echo "lab.sh: building the lab failed" >&2
    exit 1
fi
# exec: Ctrl+C and SIGTERM reach the lab directly, which removes what it made.
exec dotnet "$root/tests/IscsiDhcp.Lab/bin/Release/net10.0/IscsiDhcp.Lab.dll" "$@"
