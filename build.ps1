<#
.SYNOPSIS
    Builds, tests, documents, packages and demonstrates the IscsiDhcp module.

.DESCRIPTION
    Runs in Windows PowerShell 5.1 and PowerShell 7.

    Build    publishes IscsiDhcp.Core and IscsiDhcp (netstandard2.0) and lays the
             module out in out/IscsiDhcp (manifest, formats, assemblies, en-US).
    Test     runs tests/run.sh (Linux, as root: the real peers and every xunit
             project; elsewhere only the unit tests), then Pester in a fresh
             PowerShell process when Pester 5 is installed.
    Help     regenerates en-US/IscsiDhcp.dll-Help.xml from docs/ with PlatyPS.
    Package  builds, then zips out/IscsiDhcp as out/IscsiDhcp-<version>.zip.
    Demo     brings the lab up (Linux, root), imports the built module, runs a
             short pipeline against the lab, and brings the lab down.
    Clean    removes out/ and every bin/ and obj/ folder.

.EXAMPLE
    ./build.ps1 -Task Build

.EXAMPLE
    sudo pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Help', 'Package', 'Demo', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$Root = $PSScriptRoot
$ModuleOut = Join-Path $Root 'out/IscsiDhcp'
$Manifest = Join-Path $Root 'IscsiDhcp.psd1'

function Test-IsLinux {
    # $IsLinux does not exist in Windows PowerShell 5.1.
    $var = Get-Variable -Name IsLinux -ErrorAction SilentlyContinue
    return ($null -ne $var) -and $var.Value
}

function Assert-Command([string] $Name, [string] $Hint) {
    if (-not (Get-Command $Name -ErrorAction SilentlyContinue)) {
        throw "$Name was not found. $Hint"
    }
}

function Invoke-Native([string] $FilePath, [string[]] $Arguments) {
    Write-Host "> $FilePath $($Arguments -join ' ')" -ForegroundColor DarkGray
    & $FilePath @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "$FilePath exited with code $LASTEXITCODE"
    }
}

function Assert-LinuxRoot([string] $What) {
    if (-not (Test-IsLinux)) {
        throw "$What needs Linux: the lab runs tgtd, dnsmasq and kea in network namespaces."
    }
    if ((& id -u) -ne '0') {
        throw "$What needs root (network namespaces, veth pairs, tgtd). Run: sudo pwsh ./build.ps1 -Task $What"
    }
}

function Invoke-Build {
    Assert-Command dotnet 'Install the .NET SDK 8 or later: https://dot.net'
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/IscsiDhcp/IscsiDhcp.csproj'), '-c', $Configuration, '--nologo')
    Write-Host "Module laid out in $ModuleOut" -ForegroundColor Green
}

function Invoke-Test {
    if (Test-IsLinux) {
        Assert-Command bash 'tests/run.sh needs bash.'
        Invoke-Native bash @((Join-Path $Root 'tests/run.sh'))
    }
    else {
        Write-Warning 'The lab tests need Linux and root; running the unit tests only.'
        Assert-Command dotnet 'Install the .NET SDK 10: https://dot.net'
        Invoke-Native dotnet @('test', (Join-Path $Root 'tests/IscsiDhcp.Tests/IscsiDhcp.Tests.csproj'), '-c', $Configuration)
    }

    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -ge 5 } | Select-Object -First 1
    if ($null -eq $pester) {
        Write-Warning 'Pester 5 is not installed; skipping the Pester tests (Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser).'
        return
    }
    Invoke-Build
    # A fresh process: the module's assemblies must not stay loaded in this session.
    $powershell = (Get-Process -Id $PID).Path
    $command = "Import-Module Pester -MinimumVersion 5.0; `$r = Invoke-Pester -Path '$(Join-Path $Root 'tests/Pester')' -Output Detailed -PassThru; exit `$r.FailedCount"
    Invoke-Native $powershell @('-NoProfile', '-NonInteractive', '-Command', $command)
}

function Invoke-Help {
    if (-not (Get-Module -ListAvailable -Name platyPS)) {
        throw 'PlatyPS is not installed: Install-Module platyPS -Scope CurrentUser'
    }
    Import-Module platyPS
    New-ExternalHelp -Path (Join-Path $Root 'docs') -OutputPath (Join-Path $Root 'en-US') -Force | Out-Null
    Write-Host 'en-US/IscsiDhcp.dll-Help.xml regenerated from docs/' -ForegroundColor Green
}

function Invoke-Package {
    Invoke-Build
    $version = (Import-PowerShellDataFile $Manifest).ModuleVersion
    $zip = Join-Path $Root "out/IscsiDhcp-$version.zip"
    if (Test-Path $zip) { Remove-Item $zip }
    Compress-Archive -Path $ModuleOut -DestinationPath $zip
    Write-Host "Package: $zip" -ForegroundColor Green
}

function Invoke-Demo {
    Assert-LinuxRoot 'Demo'
    Invoke-Build
    $lab = Join-Path $Root 'tools/lab.sh'
    $json = & bash $lab up --dhcp dnsmasq
    if ($LASTEXITCODE -ne 0) { throw "tools/lab.sh up failed (exit $LASTEXITCODE)" }
    $summary = ($json -join "`n") | ConvertFrom-Json
    try {
        Import-Module (Join-Path $ModuleOut 'IscsiDhcp.psd1') -Force
        Write-Host "Lab $($summary.id): iSCSI portal $($summary.portal), target $($summary.targetName)"
        Write-Host "DHCP network on $($summary.dhcpClientInterface), server $($summary.dhcpServerAddress)"
        Get-Command -Module IscsiDhcp | Format-Table -AutoSize
        $portal = $summary.portal.Split(':')
        if (Get-Command Find-IscsiTarget -ErrorAction SilentlyContinue) {
            Find-IscsiTarget -TargetPortalAddress $portal[0] -TargetPortalPortNumber ([int]$portal[1]) | Format-Table -AutoSize
        }
        if (Get-Command Start-DhcpLease -ErrorAction SilentlyContinue) {
            Start-DhcpLease -InterfaceName $summary.dhcpClientInterface | Format-List
            Stop-DhcpLease -InterfaceName $summary.dhcpClientInterface -Release -Confirm:$false
        }
    }
    finally {
        & bash $lab down $summary.id
    }
}

function Invoke-Clean {
    foreach ($dir in @((Join-Path $Root 'out')) + @(Get-ChildItem $Root -Recurse -Directory -Include bin, obj | ForEach-Object FullName)) {
        if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
    }
}

try {
    foreach ($t in $Task) {
        Write-Host "== $t" -ForegroundColor Cyan
        & "Invoke-$t"
    }
}
catch {
    Write-Host "build.ps1: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}
