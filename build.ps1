<#
.SYNOPSIS
    Builds, tests, documents, packages and demonstrates the IscsiDhcp module.

.DESCRIPTION
    Runs in Windows PowerShell 5.1 and PowerShell 7.

    Build    publishes IscsiDhcp.Core and IscsiDhcp (netstandard2.0) and lays the
             module out in out/IscsiDhcp (manifest, formats, assemblies, en-US),
             and the DSC resource module beside it in out/IscsiDhcpDsc.
    Test     builds warning-free, runs every xunit project (Linux, as root, with
             the real peers that tests/run.sh installs; elsewhere the unit tests
             only), then the Pester suite in a fresh PowerShell process, and ends
             with one line: N passed, N failed. tests/run.sh runs this task.
    Help     regenerates en-US/IscsiDhcp.dll-Help.xml from docs/ with PlatyPS.
    Package  builds, then zips out/IscsiDhcp and out/IscsiDhcpDsc (the DSC
             resources) as out/IscsiDhcp-<version>.zip.
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
# The DSC resources: a module of their own beside IscsiDhcp (src/IscsiDhcpDsc/IscsiDhcpDsc.psd1 says why).
$DscModuleOut = Join-Path $Root 'out/IscsiDhcpDsc'
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
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/IscsiDhcp/IscsiDhcp.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')
    foreach ($file in 'IscsiDhcp.psd1', 'IscsiDhcp.Format.ps1xml', 'IscsiDhcp.dll', 'IscsiDhcp.Core.dll', 'en-US/IscsiDhcp.dll-Help.xml', 'en-US/about_IscsiDhcp.help.txt') {
        if (-not (Test-Path (Join-Path $ModuleOut $file))) { throw "$file is missing from the module layout in $ModuleOut" }
    }
    foreach ($file in (Import-PowerShellDataFile (Join-Path $DscModuleOut 'IscsiDhcpDsc.psd1')).FileList) {
        if (-not (Test-Path (Join-Path $DscModuleOut $file))) { throw "$file is missing from the DSC module layout in $DscModuleOut" }
    }
    Write-Host "Module laid out in $ModuleOut" -ForegroundColor Green
}

function Invoke-Test {
    Assert-Command dotnet 'Install the .NET SDK 10: https://dot.net'
    $onLinux = Test-IsLinux
    if ($onLinux) {
        Assert-LinuxRoot 'Test'
        if (-not (Get-Command tgtd -ErrorAction SilentlyContinue)) {
            throw 'The real peers (tgtd, dnsmasq, kea ...) are missing: bash tests/run.sh installs them, then runs this task.'
        }
    }
    else {
        Write-Warning 'The integration tests and the lab need Linux and root; running the unit tests and the Pester module checks only.'
    }
    Invoke-Native dotnet @('build', (Join-Path $Root 'IscsiDhcp.sln'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-warnaserror')
    Invoke-Build

    $results = Join-Path $Root 'TestResults'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $projects = Get-ChildItem (Join-Path $Root 'tests') -Filter '*.Tests.csproj' -Recurse
    if (-not $onLinux) { $projects = $projects | Where-Object BaseName -eq 'IscsiDhcp.Tests' }
    $broken = @()
    foreach ($project in $projects) {
        Write-Host "== $($project.BaseName)" -ForegroundColor Cyan
        & dotnet test $project.FullName -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$($project.BaseName).trx" --logger 'console;verbosity=normal' `
            --results-directory $results --blame-hang-timeout 10m
        if ($LASTEXITCODE -ne 0) { $broken += $project.BaseName }
    }

    # Pester in a fresh PowerShell: the module's assemblies must not stay loaded here.
    $pesterPath = Find-Pester
    $powershell = (Get-Process -Id $PID).Path
    if ([IO.Path]::GetFileNameWithoutExtension($powershell) -eq 'dotnet') {
        # pwsh installed as a .NET global tool runs inside the dotnet host.
        $powershell = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
    }
    $oldModulePath = $env:PSModulePath
    $env:PSModulePath = $pesterPath + [IO.Path]::PathSeparator + $env:PSModulePath
    try {
        & $powershell -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1') -ResultDirectory $results
        if ($LASTEXITCODE -ne 0) { $broken += 'Pester' }
    }
    finally {
        $env:PSModulePath = $oldModulePath
    }

    # One closing line over every project: the trx counters and Pester's counts.
    $passed = 0
    $failed = 0
    foreach ($trx in Get-ChildItem $results -Filter '*.trx' -ErrorAction SilentlyContinue) {
        $counters = ([xml](Get-Content $trx.FullName -Raw)).TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed
    }
    $pesterCounts = Join-Path $results 'Pester.counts'
    if (Test-Path $pesterCounts) {
        $pester = (Get-Content $pesterCounts -Raw).Trim().Split(' ')
        $passed += [int]$pester[0]
        $failed += [int]$pester[1]
    }
    else {
        $broken += 'Pester (did not finish)'
    }
    Write-Host "$passed passed, $failed failed"
    if ($passed -eq 0) { throw 'no test ran' }
    if ($broken.Count -gt 0) { throw "failed: $($broken -join ', ')" }
}

# Pester 5.7.1: where tests/install-powershell.sh put it (Linux), or any Pester 5 installed.
function Find-Pester {
    if (Test-IsLinux) {
        $modules = & bash (Join-Path $Root 'tests/install-powershell.sh')
        if ($LASTEXITCODE -ne 0) { throw 'tests/install-powershell.sh could not install Pester' }
        return ($modules | Select-Object -Last 1)
    }
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -eq [version]'5.7.1' } | Select-Object -First 1
    if ($null -eq $pester) {
        throw 'Pester 5.7.1 is not installed: Install-Module Pester -RequiredVersion 5.7.1 -Scope CurrentUser'
    }
    return (Split-Path (Split-Path $pester.ModuleBase -Parent) -Parent)
}

function Invoke-Help {
    if (-not (Get-Module -ListAvailable -Name platyPS)) {
        throw ('PlatyPS is not installed (Install-Module platyPS -Scope CurrentUser; it is not served where the ' +
            'project is built). Without it, the same MAML comes from the pages by the help tests: ' +
            'ISCSIDHCP_UPDATE_HELP=1 dotnet test tests/IscsiDhcp.Tests --filter HelpFilesTests')
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
    # Both modules, each in its folder: expanded into a PSModulePath folder, both are found.
    Compress-Archive -Path $ModuleOut, $DscModuleOut -DestinationPath $zip
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
