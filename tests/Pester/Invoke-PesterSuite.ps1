# Runs the Pester suite (every *.Tests.ps1 here, or the files given) against the built
# module in out/IscsiDhcp, writes NUnit XML beside the xunit results, and prints the
# counts tests/run.sh adds to its closing line. Exit code: the number of failures.
[CmdletBinding()]
param(
    [string[]] $Path = @($PSScriptRoot),
    [string] $ResultDirectory = (Join-Path (Split-Path (Split-Path $PSScriptRoot -Parent) -Parent) 'TestResults')
)

$ErrorActionPreference = 'Stop'
# Plain text in CI logs and in what tests read from child pwsh processes: no colour escapes
# (they are also invalid in the NUnit XML).
$env:NO_COLOR = '1'
if (Get-Variable PSStyle -ErrorAction SilentlyContinue) { $PSStyle.OutputRendering = 'PlainText' }
Import-Module Pester -RequiredVersion 5.7.1

# pwsh -File passes an array as one comma-joined string.
$configuration = New-PesterConfiguration
$configuration.Run.Path = @($Path | ForEach-Object { $_ -split ',' })
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$null = New-Item -ItemType Directory -Force -Path $ResultDirectory
$configuration.TestResult.OutputPath = Join-Path $ResultDirectory 'Pester.xml'

$result = Invoke-Pester -Configuration $configuration
# A container that failed to load (a BeforeAll that threw) is a failure too.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
Set-Content -Path (Join-Path $ResultDirectory 'Pester.counts') -Value "$($result.PassedCount) $failed"
"Pester: $($result.PassedCount) passed, $failed failed, $($result.SkippedCount) skipped"
exit $failed
