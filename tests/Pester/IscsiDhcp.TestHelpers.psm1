# What the Pester files share: where the built module is, the lab, credentials, and the
# host's routes (DESIGN: "Host safety"). Test code only; it never ships.

$script:Root = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent

function Get-RepositoryRoot { $script:Root }

<#
    The pwsh running this test, to start another like it. Installed as a .NET global tool,
    pwsh runs inside the dotnet host, so the process's own path names dotnet, not pwsh.
#>
function Get-PwshPath {
    $path = (Get-Process -Id $PID).Path
    if ([IO.Path]::GetFileNameWithoutExtension($path) -eq 'dotnet') {
        $path = (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    }
    $path
}

function Get-BuiltManifestPath {
    $path = Join-Path $script:Root 'out/IscsiDhcp/IscsiDhcp.psd1'
    if (-not (Test-Path $path)) {
        throw "Build the module first: ./build.ps1 -Task Build ($path is missing)"
    }
    $path
}

function Assert-LabHost {
    if (-not $IsLinux) { throw 'The lab needs Linux: tgtd, dnsmasq and kea in network namespaces.' }
    if ((& id -u) -ne '0') { throw 'The lab needs root: run the Pester suite as root (tests/run.sh does).' }
}

<#
    Brings a lab up (tools/lab.sh up ARGS --owner PID) and returns its summary; the lab is
    owned by this process, so a later run reaps it if this one is killed.
#>
function Start-TestLab {
    param([string[]] $Arguments = @())
    Assert-LabHost
    $lab = Join-Path $script:Root 'tools/lab.sh'
    $json = (& bash $lab up @Arguments --owner $PID) -join "`n"
    if ($LASTEXITCODE -ne 0) { throw "tools/lab.sh up $Arguments failed (exit $LASTEXITCODE)" }
    $json | ConvertFrom-Json
}

function Stop-TestLab {
    param($Lab)
    if ($null -eq $Lab) { return }
    $null = & bash (Join-Path $script:Root 'tools/lab.sh') down $Lab.id
}

function New-TestCredential {
    param([string] $UserName, [string] $Secret)
    New-Object System.Management.Automation.PSCredential ($UserName, (ConvertTo-SecureString $Secret -AsPlainText -Force))
}

<#
    The host's routes (every table, IPv4 and IPv6) except those of the given interfaces, as
    sorted text lines: equal before and after a test means the test left the host alone.
#>
function Get-HostRoute {
    param([string[]] $ExcludeInterface = @())
    $lines = foreach ($family in '-4', '-6') {
        foreach ($route in (& ip $family -j route show table all | ConvertFrom-Json)) {
            if ($route.dev -and ($ExcludeInterface -contains $route.dev)) { continue }
            # Kernel-maintained cache entries come and go on their own.
            if ($route.type -eq 'broadcast' -or $route.table -eq 'local') { continue }
            ($route | ConvertTo-Json -Compress -Depth 5)
        }
    }
    @($lines | Sort-Object)
}

<#
    Runs a script in a new pwsh with the built module imported and returns what it wrote;
    for what only a process's own end shows (exit events, a fresh import).
#>
function Invoke-FreshPwsh {
    param([Parameter(Mandatory)] [string] $Script)
    $manifest = Get-BuiltManifestPath
    $pwsh = Get-PwshPath
    $full = "Import-Module '$manifest'; $Script"
    $output = & $pwsh -NoProfile -NonInteractive -Command $full 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output) }
}

<#
    An agent in the foreground, as systemd runs it, on the socket ISCSIDHCP_AGENT_SOCKET names
    (set it first: the host's own agent is never touched); returns the agent's own process
    once it answers (pwsh as a .NET tool starts through a launcher with another pid).
#>
function Start-TestAgent {
    param([Parameter(Mandatory)] [string] $StateDirectory, [Parameter(Mandatory)] [string] $LogPath, [string] $Arguments = '')
    if (-not $env:ISCSIDHCP_AGENT_SOCKET) { throw 'Start-TestAgent: set ISCSIDHCP_AGENT_SOCKET to a socket of the test''s own' }
    $manifest = Get-BuiltManifestPath
    $command = "Import-Module '$manifest'; Start-IscsiDhcpAgent -Foreground -StateDirectory '$StateDirectory' $Arguments"
    $null = Start-Process -FilePath (Get-PwshPath) -ArgumentList @('-NoProfile', '-NonInteractive', '-Command', $command) `
        -RedirectStandardOutput "$LogPath.out" -RedirectStandardError $LogPath
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($null -eq ($agent = Get-IscsiDhcpAgent -ErrorAction SilentlyContinue)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "the agent did not answer within 30 s: $(Get-Content -Raw $LogPath -ErrorAction SilentlyContinue)" }
        Start-Sleep -Milliseconds 100
    }
    Get-Process -Id $agent.ProcessId
}

Export-ModuleMember -Function Get-RepositoryRoot, Get-PwshPath, Get-BuiltManifestPath, Assert-LabHost, Start-TestLab, Stop-TestLab, New-TestCredential, Get-HostRoute, Invoke-FreshPwsh, Start-TestAgent
