#!/usr/bin/env bash
# The project's test command (README): as root on Debian/Ubuntu.
# Installs what a fresh machine lacks (the real peers from Debian, pwsh and Pester from
# NuGet), then runs build.ps1 -Task Test in pwsh: a warning-free build, the module laid
# out, every xunit project, the Pester suite; it ends with "N passed, N failed" and exits
# non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ "$(id -u)" -ne 0 ]; then
    echo "tests/run.sh: run as root: the lab creates network namespaces and runs tgtd, dnsmasq and kea" >&2
    exit 1
fi
if ! command -v dotnet >/dev/null 2>&1; then
    echo "tests/run.sh: the .NET 10 SDK (dotnet) is not on PATH" >&2
    exit 1
fi

# The peers and reference clients (DESIGN.md: Real peers).
packages=(tgt libiscsi-bin dnsmasq-base kea-dhcp4-server kea-admin iproute2 udhcpc tcpdump libnbd-bin nbdfuse fuse3 e2fsprogs qemu-utils qemu-block-extra systemd util-linux)
missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PowerShell 7.6.9 and Pester 5.7.1 (tests/install-powershell.sh; build.ps1 asks it again
# for Pester's folder).
bash tests/install-powershell.sh >/dev/null
export PATH="$PATH:$HOME/.dotnet/tools"
exec pwsh -NoProfile -NonInteractive -File "$root/build.ps1" -Task Test
