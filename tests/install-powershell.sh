#!/usr/bin/env bash
# Installs what the Pester suite needs when it is missing, from the package registries
# only: pwsh 7.6.9 as a .NET global tool, and Pester 5.7.1 as a NuGet package (restored
# by a throw-away project; PowerShell Gallery is not reachable from these machines).
# Prints the PSModulePath folder that holds Pester; pwsh lands in ~/.dotnet/tools (and, for
# other users, in /opt/iscsidhcp-pwsh).
set -euo pipefail

pwsh_version=7.6.9
pester_version=5.7.1
tools="$HOME/.dotnet/tools"

if ! "$tools/pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null | grep -qx "$pwsh_version"; then
    echo "== installing pwsh $pwsh_version" >&2
    dotnet tool uninstall --global PowerShell >/dev/null 2>&1 || true
    dotnet tool install --global PowerShell --version "$pwsh_version" >&2
fi

# A second pwsh that an unprivileged user can run (root's home is closed to others): the
# agent tests call the agent as nobody through it.
shared_tools=/opt/iscsidhcp-pwsh
if ! "$shared_tools/pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null | grep -qx "$pwsh_version"; then
    echo "== installing pwsh $pwsh_version for other users in $shared_tools" >&2
    rm -rf "$shared_tools"
    dotnet tool install PowerShell --version "$pwsh_version" --tool-path "$shared_tools" >&2
    chmod -R a+rX "$shared_tools"
fi

packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
pester="$packages/pester/$pester_version/tools"
if [ ! -f "$pester/Pester.psd1" ]; then
    echo "== installing Pester $pester_version" >&2
    project="$(mktemp -d)"
    trap 'rm -rf "$project"' EXIT
    cat >"$project/PesterDownload.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$pester_version]" /></ItemGroup>
</Project>
PROJ
    dotnet restore "$project/PesterDownload.csproj" --nologo -v quiet >&2
fi

# PowerShell finds a module by its folder's name: give Pester a folder called Pester.
modules="/var/tmp/iscsidhcp-psmodules"
mkdir -p "$modules"
ln -sfn "$pester" "$modules/Pester"
echo "$modules"
