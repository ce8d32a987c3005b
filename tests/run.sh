#!/usr/bin/env bash
# The project's test command (README): as root on Debian/Ubuntu.
# Installs the real peers when missing, builds the solution warning-free, lays
# the module out, runs every test project, and exits non-zero on any failure.
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
packages=(tgt libiscsi-bin dnsmasq-base kea-dhcp4-server kea-admin iproute2 udhcpc)
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

# PowerShell and Pester, from the package registries (tests/install-powershell.sh).
psmodules="$(bash tests/install-powershell.sh)"
pwsh="$HOME/.dotnet/tools/pwsh"

echo "== build (warnings are errors)"
dotnet build IscsiDhcp.sln -c Release --nologo -v quiet -warnaserror

echo "== module layout"
dotnet publish src/IscsiDhcp/IscsiDhcp.csproj -c Release --nologo -v quiet
for f in IscsiDhcp.psd1 IscsiDhcp.Format.ps1xml IscsiDhcp.dll IscsiDhcp.Core.dll en-US/IscsiDhcp.dll-Help.xml en-US/about_IscsiDhcp.help.txt; do
    if [ ! -f "out/IscsiDhcp/$f" ]; then
        echo "tests/run.sh: out/IscsiDhcp/$f missing from the module layout" >&2
        exit 1
    fi
done

results="$root/TestResults"
rm -rf "$results"
status=0
for project in tests/*/*.Tests.csproj; do
    name="$(basename "$project" .csproj)"
    echo "== $name"
    if ! dotnet test "$project" -c Release --no-build --nologo \
            --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
            --results-directory "$results" --blame-hang-timeout 10m; then
        status=1
    fi
done

# The module in a real shell: every Pester file in tests/Pester, in pwsh, as root with the lab.
echo "== Pester (pwsh $("$pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()'))"
if ! PSModulePath="$psmodules" "$pwsh" -NoProfile -NonInteractive -File tests/Pester/Invoke-PesterSuite.ps1 -ResultDirectory "$results"; then
    status=1
fi

# One closing line over all projects, from the trx counters and Pester's counts.
passed=0
failed=0
for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    counters="$(grep -o '<Counters [^>]*>' "$trx")"
    passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
    failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
done
if [ -f "$results/Pester.counts" ]; then
    read -r pester_passed pester_failed <"$results/Pester.counts"
    passed=$((passed + pester_passed))
    failed=$((failed + pester_failed))
else
    echo "tests/run.sh: the Pester suite did not finish" >&2
    failed=$((failed + 1))
    status=1
fi
if [ "$passed" -eq 0 ]; then
    echo "tests/run.sh: no test ran" >&2
    status=1
fi
echo "$passed passed, $failed failed"
exit $status
