# The DSC resources (issue 17) as DSC v3 runs them: each operation a fresh pwsh, through the real
# PowerShell adapter in ../shared/peers/dsc/adapter (class-based, IscsiDhcpDsc/*) and through the
# commands of the *.dsc.resource.json manifests (command-based, IscsiDhcp/*), against the lab's
# tgtd (with CHAP) and kea, with an agent of the test's own (ISCSIDHCP_AGENT_SOCKET in a folder
# of the test's). Every output, trace and error of every operation is kept and searched for the
# CHAP secret at the end.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $script:root = Get-RepositoryRoot
    $script:manifest = Get-BuiltManifestPath
    Import-Module $manifest -Force
    $script:pwsh = Get-PwshPath
    $script:modulesPath = Join-Path $root 'out'
    $script:dscModule = Join-Path $modulesPath 'IscsiDhcpDsc'
    if (-not (Test-Path (Join-Path $dscModule 'IscsiDhcpDsc.psd1'))) { throw "Build the module first: $dscModule is missing" }
    $script:peers = Join-Path $root '../shared/peers/dsc'
    if (-not (Test-Path (Join-Path $peers 'adapter/powershell.resource.ps1'))) {
        # A worktree beside the main one: the peers are in /work/shared.
        $script:peers = '/work/shared/peers/dsc'
    }
    $script:adapter = (Resolve-Path (Join-Path $peers 'adapter/powershell.resource.ps1')).Path
    $script:schemas = (Resolve-Path (Join-Path $peers 'schemas')).Path

    $script:secret = 'dsc-secret-{0}' -f ([guid]::NewGuid().ToString('N').Substring(0, 12))
    $script:chapUser = 'dsc-user'
    $script:lab = Start-TestLab -Arguments @('--chap', "${chapUser}:$secret", '--dhcp', 'kea', '--lease-time', '30')
    $script:portal = $lab.portal.Split(':')[0]
    $script:port = [int]$lab.portal.Split(':')[1]
    $script:target = $lab.targetName
    $script:iface = $lab.dhcpClientInterface

    # The test's own: the agent's socket and state, HOME for the adapter's cache (~/.dsc), logs.
    $script:dscHome = Join-Path '/tmp' ("pester-dsc-{0}" -f $PID)
    $null = New-Item -ItemType Directory -Force -Path $dscHome
    $script:socket = Join-Path $dscHome 'agent.sock'
    $script:state = Join-Path $dscHome 'state'
    $env:ISCSIDHCP_AGENT_SOCKET = $socket
    $script:agents = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
    $script:transcript = [System.Collections.Generic.List[string]]::new()
    $script:routes = Get-HostRoute -ExcludeInterface @($iface)

    function Start-Agent {
        $process = Start-TestAgent -StateDirectory $state -LogPath (Join-Path $dscHome ("agent-{0}.log" -f $agents.Count))
        $agents.Add($process)
        $process
    }

    # A fresh pwsh as dsc starts it: JSON on stdin, stdout and stderr apart, the test's module
    # folder as PSModulePath, the test's HOME, dsc's trace level for the adapter.
    function Invoke-Child {
        param([string] $Json, [string[]] $Arguments, [string] $WorkingDirectory = $dscHome)
        $errFile = Join-Path $dscHome ('stderr-{0}.txt' -f [guid]::NewGuid().ToString('N'))
        $saved = @{ PSModulePath = $env:PSModulePath; HOME = $env:HOME; DSC_TRACE_LEVEL = $env:DSC_TRACE_LEVEL }
        $env:PSModulePath = $modulesPath
        $env:HOME = $dscHome
        $env:DSC_TRACE_LEVEL = 'Debug'
        Push-Location $WorkingDirectory
        try {
            $stdout = @($Json | & $pwsh @Arguments 2> $errFile)
            $code = $LASTEXITCODE
        }
        finally {
            Pop-Location
            foreach ($name in $saved.Keys) { Set-Item "Env:$name" -Value $saved[$name] -ErrorAction SilentlyContinue }
            if (-not $saved.DSC_TRACE_LEVEL) { Remove-Item Env:DSC_TRACE_LEVEL -ErrorAction SilentlyContinue }
        }
        $stderr = Get-Content -Raw $errFile -ErrorAction SilentlyContinue
        Remove-Item $errFile -ErrorAction SilentlyContinue
        $transcript.Add(($stdout -join "`n") + "`n" + $stderr)
        [pscustomobject]@{ ExitCode = $code; Stdout = $stdout; Stderr = "$stderr" }
    }

    # One resource through the adapter, as dsc sends it: {"resources":[{name,type,properties}]}.
    function Invoke-Adapter {
        param([string] $Operation, [string] $Type, [hashtable] $Properties)
        $request = @{ resources = @(@{ name = 'pester'; type = "IscsiDhcpDsc/$Type"; properties = $Properties }) } | ConvertTo-Json -Depth 6 -Compress
        $run = Invoke-Child -Json $request -Arguments @('-NoLogo', '-NonInteractive', '-NoProfile', '-Command', "`$Input | $adapter $Operation")
        $parsed = $null
        if ($run.ExitCode -eq 0 -and $run.Stdout.Count -gt 0) { $parsed = $run.Stdout[-1] | ConvertFrom-Json }
        $run | Add-Member -NotePropertyName Result -NotePropertyValue $parsed -PassThru
    }

    function Test-Adapter([string] $Type, [hashtable] $Properties) {
        $run = Invoke-Adapter Test $Type $Properties
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        [bool]$run.Result._inDesiredState
    }

    function Set-Adapter([string] $Type, [hashtable] $Properties) {
        $run = Invoke-Adapter Set $Type $Properties
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run
    }

    function Get-Adapter([string] $Type, [hashtable] $Properties) {
        $run = Invoke-Adapter Get $Type $Properties
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Result.result[0].properties
    }

    # A command of a manifest, run as dsc runs it: the manifest's executable and arguments, in
    # the manifest's folder, the instance JSON on stdin.
    function Invoke-ManifestCommand {
        param([string] $Resource, [string] $Operation, [string] $Json)
        $manifestFile = Join-Path $dscModule "$Resource.dsc.resource.json"
        $command = (Get-Content -Raw $manifestFile | ConvertFrom-Json).$Operation
        $command.executable | Should -Be 'pwsh'
        $command.input | Should -Be 'stdin'
        $arguments = @($command.args | ForEach-Object { [string]$_ })
        Invoke-Child -Json $Json -Arguments $arguments -WorkingDirectory $dscModule
    }

    # Each JSON Line of stdout against the schema dsc holds that operation's stdout to.
    function Assert-Stdout {
        param($Run, [string] $Operation)
        $Run.ExitCode | Should -Be 0 -Because $Run.Stderr
        $schemaFile = Join-Path $schemas "resource/stdout/$Operation.json"
        foreach ($line in $Run.Stdout) {
            Test-Json -Json $line -SchemaFile $schemaFile | Should -BeTrue -Because "$Operation stdout line: $line"
        }
    }

    function Get-Nexus {
        @(& tgtadm -C $lab.controlPort --lld iscsi --mode target --op show | Where-Object { $_ -match '^\s+I_T nexus: \d+' })
    }

    function Get-InterfaceAddress {
        @((& ip -4 -j addr show dev $iface | ConvertFrom-Json).addr_info | Where-Object local | ForEach-Object local)
    }

    function Get-KeaCount([string] $What) {
        [regex]::Matches((Get-Content -Raw $lab.dhcpServerLog), $What).Count
    }

    $script:session = @{
        NodeAddress            = $target
        TargetPortalAddress    = $portal
        TargetPortalPortNumber = $port
        AuthenticationType     = 'OneWayChap'
        ChapSecret             = @{ username = $chapUser; password = $secret }
        IsPersistent           = $true
    }
    $script:agent = Start-Agent
}

AfterAll {
    # What a failed test may have left in a running agent; each step on its own (none may stop the rest).
    if (Get-IscsiDhcpAgent -ErrorAction SilentlyContinue) {
        foreach ($cleanup in { Get-IscsiSession | Where-Object IsPersistent | Unregister-IscsiSession -Confirm:$false },
            { Get-IscsiSession | Disconnect-IscsiTarget -Force -Confirm:$false },
            { Get-DhcpLease | Stop-DhcpLease -Release -Confirm:$false },
            { Get-IscsiTargetPortal | Remove-IscsiTargetPortal -Confirm:$false },
            { Stop-IscsiDhcpAgent -Confirm:$false }) {
            try { $ErrorActionPreference = 'SilentlyContinue'; & $cleanup } catch { Write-Warning "cleanup: $_" }
        }
    }
    foreach ($process in $agents) {
        if (-not $process.HasExited) { $process.Kill(); $process.WaitForExit(10000) }
    }
    Get-Process -ErrorAction SilentlyContinue | Where-Object { $_.CommandLine -match [regex]::Escape($socket) } | Stop-Process -Force -ErrorAction SilentlyContinue
    Remove-Item Env:ISCSIDHCP_AGENT_SOCKET -ErrorAction SilentlyContinue
    if ($script:iface) { & ip -4 addr flush dev $iface 2>$null }
    Stop-TestLab $lab
    Remove-Item -Recurse -Force $dscHome -ErrorAction SilentlyContinue
}

Describe 'The command-based manifests' {
    It '<Resource>.dsc.resource.json is valid against the DSC v3 manifest schema and says what the resource is' -ForEach @(
        @{ Resource = 'IscsiInitiator'; Key = 'NodeAddress'; Secrets = @('ChapSecret', 'TargetChapSecret') }
        @{ Resource = 'IscsiTargetPortal'; Key = 'TargetPortalAddress'; Secrets = @('ChapSecret', 'TargetChapSecret') }
        @{ Resource = 'DhcpLease'; Key = 'InterfaceName'; Secrets = @() }
    ) {
        $file = Join-Path $dscModule "$Resource.dsc.resource.json"
        Test-Json -Path $file -SchemaFile (Join-Path $schemas 'resource/manifest.json') | Should -BeTrue
        $m = Get-Content -Raw $file | ConvertFrom-Json
        $m.type | Should -Be "IscsiDhcp/$Resource"
        $m.version | Should -Be (Import-PowerShellDataFile $manifest).ModuleVersion
        foreach ($operation in 'get', 'set', 'test', 'export') { $m.$operation | Should -Not -BeNullOrEmpty -Because "$operation is a capability" }
        $m.set.handlesExist | Should -BeTrue
        $m.set.implementsPretest | Should -BeTrue -Because 'set tests before it changes anything (DSC v3 calls set without test)'
        $m.description | Should -Match 'needs privilege'
        $instance = $m.schema.embedded
        $instance.required | Should -Be @($Key)
        $instance.properties._exist.'$ref' | Should -Match 'resource/properties/exist.json$'
        $instance.properties._inDesiredState.'$ref' | Should -Match 'resource/properties/inDesiredState.json$'
        foreach ($name in $Secrets) { $instance.properties.$name.writeOnly | Should -BeTrue -Because "$name is a secret" }
        # The class-based resource has the same properties, so both kinds take the same documents.
        $classProperties = & $pwsh -NoProfile -NonInteractive -Command "`$env:PSModulePath = '$modulesPath'; `$m = Import-Module IscsiDhcpDsc -PassThru; & `$m { [$Resource].GetProperties() | Where-Object { `$_.GetCustomAttributes([System.Management.Automation.DscPropertyAttribute], `$true) } | ForEach-Object Name }"
        @($instance.properties.PSObject.Properties.Name | Where-Object { -not $_.StartsWith('_') } | Sort-Object) | Should -Be @($classProperties | Sort-Object)
    }

    It 'IscsiDhcpDsc exports its resources by literal name, and its version is IscsiDhcp''s' {
        $data = Import-PowerShellDataFile (Join-Path $dscModule 'IscsiDhcpDsc.psd1')
        $data.DscResourcesToExport | Should -Be @('IscsiInitiator', 'IscsiTargetPortal', 'DhcpLease')
        $data.ModuleVersion | Should -Be (Import-PowerShellDataFile $manifest).ModuleVersion
        foreach ($file in $data.FileList) { Test-Path (Join-Path $dscModule $file) | Should -BeTrue -Because "$file is in FileList" }
        # RequiredModules names IscsiDhcp: checked where a user has both, with the built folder as PSModulePath.
        $checked = & $pwsh -NoProfile -NonInteractive -Command "`$env:PSModulePath = '$modulesPath'; (Test-ModuleManifest '$(Join-Path $dscModule 'IscsiDhcpDsc.psd1')' -ErrorAction Stop).Name" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$checked"
        "$checked" | Should -Be 'IscsiDhcpDsc'
    }

    It 'the adapter lists the three class-based resources with get, set, test and export' {
        $run = Invoke-Child -Json '{}' -Arguments @('-NoLogo', '-NonInteractive', '-NoProfile', '-Command', "`$Input | $adapter List")
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $listed = @($run.Stdout | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object { $_.type -like 'IscsiDhcpDsc/*' })
        @($listed.type | Sort-Object) | Should -Be @('IscsiDhcpDsc/DhcpLease', 'IscsiDhcpDsc/IscsiInitiator', 'IscsiDhcpDsc/IscsiTargetPortal')
        foreach ($resource in $listed) {
            @($resource.capabilities | Sort-Object) | Should -Be @('export', 'get', 'set', 'test')
            # The adapter writes author '' (it never fills DscResourceInfo.CompanyName), which the
            # schema's pattern refuses; everything else it says of our resources is checked.
            $resource.PSObject.Properties.Remove('author')
            Test-Json -Json ($resource | ConvertTo-Json -Depth 5 -Compress) -SchemaFile (Join-Path $schemas 'resource/stdout/list.json') | Should -BeTrue
        }
    }
}

Describe 'IscsiInitiator through the DSC v3 PowerShell adapter' {
    It 'Test is false, Set logs in through the agent, Test is true, Get shows LoggedIn, a second Set changes nothing' {
        Test-Adapter IscsiInitiator $session | Should -BeFalse
        $run = Set-Adapter IscsiInitiator $session
        $run.Stderr | Should -Not -Match 'was started' -Because 'an agent runs: Set uses it'
        Test-Adapter IscsiInitiator $session | Should -BeTrue
        $got = Get-Adapter IscsiInitiator @{ NodeAddress = $target }
        $got.Ensure | Should -Be 'Present'
        $got.State | Should -Be 'LoggedIn'
        $got.IsConnected | Should -BeTrue
        $got.HeldBy | Should -Be 'Agent'
        $got.IsPersistent | Should -BeTrue
        $got.TargetPortalAddress | Should -Be $portal
        $got.TargetPortalPortNumber | Should -Be $port
        $got.ChapSecret | Should -BeNullOrEmpty
        @(Get-Nexus).Count | Should -Be 1
        $script:firstSession = $got.SessionIdentifier

        $null = Set-Adapter IscsiInitiator $session
        (Get-Adapter IscsiInitiator @{ NodeAddress = $target }).SessionIdentifier | Should -Be $firstSession
        @(Get-Nexus).Count | Should -Be 1
        (Get-IscsiSession).ReconnectCount | Should -Be 0
    }

    It 'Test compares only what the configuration set' {
        Test-Adapter IscsiInitiator @{ NodeAddress = $target } | Should -BeTrue
        Test-Adapter IscsiInitiator @{ NodeAddress = $target; IsHeaderDigest = $false } | Should -BeTrue
        Test-Adapter IscsiInitiator @{ NodeAddress = $target; IsHeaderDigest = $true } | Should -BeFalse
        Test-Adapter IscsiInitiator @{ NodeAddress = $target; IsPersistent = $false } | Should -BeFalse
        Test-Adapter IscsiInitiator @{ NodeAddress = $target; TargetPortalPortNumber = 1 } | Should -BeFalse
        # The secret is never compared: another one does not make the session drift.
        Test-Adapter IscsiInitiator @{ NodeAddress = $target; ChapSecret = @{ username = $chapUser; password = 'not-the-secret' } } | Should -BeTrue
    }

    It 'reports a session disconnected by hand as drifted, and Set logs it in again' {
        Disconnect-IscsiTarget -NodeAddress $target -Confirm:$false
        @(Get-Nexus).Count | Should -Be 0
        Test-Adapter IscsiInitiator $session | Should -BeFalse
        (Get-Adapter IscsiInitiator @{ NodeAddress = $target }).Ensure | Should -Be 'Absent'
        $null = Set-Adapter IscsiInitiator $session
        Test-Adapter IscsiInitiator $session | Should -BeTrue
        $got = Get-Adapter IscsiInitiator @{ NodeAddress = $target }
        $got.State | Should -Be 'LoggedIn'
        $got.SessionIdentifier | Should -Not -Be $firstSession
        $got.IsPersistent | Should -BeTrue
        @(Get-Nexus).Count | Should -Be 1
    }

    It 'Export lists the session' {
        $run = Invoke-Child -Json (@{ resources = @(@{ name = 'all'; type = 'IscsiDhcpDsc/IscsiInitiator'; properties = @{} }) } | ConvertTo-Json -Depth 5 -Compress) -Arguments @('-NoLogo', '-NonInteractive', '-NoProfile', '-Command', "`$Input | $adapter Export")
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        # The adapter writes exported instances straight into result (no name/type/properties around them).
        $exported = @(($run.Stdout[-1] | ConvertFrom-Json).result)
        $exported.Count | Should -Be 1
        $exported.NodeAddress | Should -Be $target
        $exported.IsConnected | Should -BeTrue
    }

    It 'Ensure Absent logs out and unregisters; Test is then true and a second Set changes nothing' {
        $absent = @{ NodeAddress = $target; Ensure = 'Absent' }
        Test-Adapter IscsiInitiator $absent | Should -BeFalse
        $null = Set-Adapter IscsiInitiator $absent
        Test-Adapter IscsiInitiator $absent | Should -BeTrue
        @(Get-Nexus).Count | Should -Be 0
        (Get-IscsiDhcpAgent).PersistentSessions | Should -Be 0 -Because 'absent means unregistered too'
        $null = Set-Adapter IscsiInitiator $absent
        Test-Adapter IscsiInitiator $absent | Should -BeTrue
    }

    It 'a wrong secret fails Set with the target''s refusal, and the secret is in no output' {
        $wrong = $session.Clone()
        $wrong.ChapSecret = @{ username = $chapUser; password = 'dsc-wrong-secret-77' }
        $run = Invoke-Adapter Set IscsiInitiator $wrong
        $run.ExitCode | Should -Not -Be 0
        $run.Stderr | Should -Match 'authentication|CHAP'
        "$($run.Stdout) $($run.Stderr)" | Should -Not -Match 'dsc-wrong-secret-77'
        @(Get-Nexus).Count | Should -Be 0
    }
}

Describe 'IscsiTargetPortal through the DSC v3 PowerShell adapter' {
    It 'Test is false, Set keeps the portal in the agent, Test is true, Get shows it without the secret; Absent removes it' {
        $kept = @{ TargetPortalAddress = $portal; TargetPortalPortNumber = $port; AuthenticationType = 'OneWayChap'; ChapSecret = @{ username = $chapUser; password = $secret } }
        Test-Adapter IscsiTargetPortal $kept | Should -BeFalse
        $null = Set-Adapter IscsiTargetPortal $kept
        Test-Adapter IscsiTargetPortal $kept | Should -BeTrue
        $got = Get-Adapter IscsiTargetPortal @{ TargetPortalAddress = $portal; TargetPortalPortNumber = $port }
        $got.Ensure | Should -Be 'Present'
        $got.AuthenticationType | Should -Be 'OneWayChap'
        $got.ChapUsername | Should -Be $chapUser
        $got.ChapSecret | Should -BeNullOrEmpty
        (Get-IscsiTargetPortal).ChapUserName | Should -Be $chapUser
        Test-Adapter IscsiTargetPortal @{ TargetPortalAddress = $portal; TargetPortalPortNumber = $port; IsHeaderDigest = $true } | Should -BeFalse
        $null = Set-Adapter IscsiTargetPortal $kept
        @(Get-IscsiTargetPortal).Count | Should -Be 1

        $absent = @{ TargetPortalAddress = $portal; TargetPortalPortNumber = $port; Ensure = 'Absent' }
        Test-Adapter IscsiTargetPortal $absent | Should -BeFalse
        $null = Set-Adapter IscsiTargetPortal $absent
        Test-Adapter IscsiTargetPortal $absent | Should -BeTrue
        @(Get-IscsiTargetPortal).Count | Should -Be 0
    }
}

Describe 'DhcpLease through the DSC v3 PowerShell adapter' {
    It 'Test is false, Set obtains a configured lease in the agent, Test is true, Get shows Bound, a second Set changes nothing' {
        $lease = @{ InterfaceName = $iface; Configure = $true; HostName = 'pester-dsc' }
        Test-Adapter DhcpLease $lease | Should -BeFalse
        $null = Set-Adapter DhcpLease $lease
        Test-Adapter DhcpLease $lease | Should -BeTrue
        $got = Get-Adapter DhcpLease @{ InterfaceName = $iface }
        $got.Ensure | Should -Be 'Present'
        $got.State | Should -Be 'Bound'
        $got.HeldBy | Should -Be 'Agent'
        $got.Configure | Should -BeTrue
        $got.Address | Should -Not -BeNullOrEmpty
        $got.ExpiresAt | Should -Not -BeNullOrEmpty
        Get-InterfaceAddress | Should -Be $got.Address
        $script:leased = $got.Address
        Test-Adapter DhcpLease @{ InterfaceName = $iface; RequestedAddress = $leased } | Should -BeTrue
        Test-Adapter DhcpLease @{ InterfaceName = $iface; Configure = $false } | Should -BeFalse

        $adverts = Get-KeaCount 'will be advertised'
        $null = Set-Adapter DhcpLease $lease
        (Get-Adapter DhcpLease @{ InterfaceName = $iface }).Address | Should -Be $leased
        Get-KeaCount 'will be advertised' | Should -Be $adverts -Because 'a lease in its desired state is left alone'
        Get-KeaCount 'DHCP4_RELEASE' | Should -Be 0
    }

    It 'reports a lease released by hand as drifted, and Set obtains it again' {
        Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        @(Get-InterfaceAddress).Count | Should -Be 0
        $lease = @{ InterfaceName = $iface; Configure = $true }
        Test-Adapter DhcpLease $lease | Should -BeFalse
        $null = Set-Adapter DhcpLease $lease
        Test-Adapter DhcpLease $lease | Should -BeTrue
        (Get-Adapter DhcpLease @{ InterfaceName = $iface }).State | Should -Be 'Bound'
        @(Get-InterfaceAddress).Count | Should -Be 1
    }

    It 'Ensure Absent releases the lease; Test is then true and a second Set changes nothing' {
        $absent = @{ InterfaceName = $iface; Ensure = 'Absent' }
        Test-Adapter DhcpLease $absent | Should -BeFalse
        $releases = Get-KeaCount 'DHCP4_RELEASE'
        $null = Set-Adapter DhcpLease $absent
        Test-Adapter DhcpLease $absent | Should -BeTrue
        @(Get-InterfaceAddress).Count | Should -Be 0
        Get-KeaCount 'DHCP4_RELEASE' | Should -Be ($releases + 1)
        $null = Set-Adapter DhcpLease $absent
        Get-KeaCount 'DHCP4_RELEASE' | Should -Be ($releases + 1)
    }
}

Describe 'The command-based resources, run as dsc runs their manifests' {
    It 'DhcpLease: test, set, get, export and set with _exist false, each stdout valid against the v3 stdout schemas' {
        $instance = @{ InterfaceName = $iface; Configure = $true } | ConvertTo-Json -Compress
        $test = Invoke-ManifestCommand DhcpLease test $instance
        Assert-Stdout $test test
        ($test.Stdout[-1] | ConvertFrom-Json)._inDesiredState | Should -BeFalse
        $set = Invoke-ManifestCommand DhcpLease set $instance
        Assert-Stdout $set set
        $after = $set.Stdout[-1] | ConvertFrom-Json
        $after._exist | Should -BeTrue
        $after.State | Should -Be 'Bound'
        $get = Invoke-ManifestCommand DhcpLease get (@{ InterfaceName = $iface } | ConvertTo-Json -Compress)
        Assert-Stdout $get get
        ($get.Stdout[-1] | ConvertFrom-Json).Address | Should -Be $after.Address
        $test = Invoke-ManifestCommand DhcpLease test $instance
        Assert-Stdout $test test
        ($test.Stdout[-1] | ConvertFrom-Json)._inDesiredState | Should -BeTrue
        $export = Invoke-ManifestCommand DhcpLease export ''
        Assert-Stdout $export export
        @($export.Stdout | ForEach-Object { ($_ | ConvertFrom-Json).InterfaceName }) | Should -Contain $iface
        $gone = Invoke-ManifestCommand DhcpLease set (@{ InterfaceName = $iface; _exist = $false } | ConvertTo-Json -Compress)
        Assert-Stdout $gone set
        ($gone.Stdout[-1] | ConvertFrom-Json)._exist | Should -BeFalse
        @(Get-InterfaceAddress).Count | Should -Be 0
    }

    It 'IscsiInitiator: set with a CHAP credential, test, get and set with _exist false; the output is valid against the instance schema too' {
        $instance = @{ NodeAddress = $target; TargetPortalAddress = $portal; TargetPortalPortNumber = $port; AuthenticationType = 'OneWayChap'; ChapSecret = @{ secureObject = @{ username = $chapUser; password = $secret } } } | ConvertTo-Json -Depth 4 -Compress
        $set = Invoke-ManifestCommand IscsiInitiator set $instance
        Assert-Stdout $set set
        $state = $set.Stdout[-1]
        ($state | ConvertFrom-Json).IsConnected | Should -BeTrue
        # The instance schema without _exist and _inDesiredState, whose $refs point at aka.ms (not fetched here).
        $embedded = (Get-Content -Raw (Join-Path $dscModule 'IscsiInitiator.dsc.resource.json') | ConvertFrom-Json).schema.embedded
        $embedded.properties.PSObject.Properties.Remove('_exist')
        $embedded.properties.PSObject.Properties.Remove('_inDesiredState')
        $withoutExist = $state | ConvertFrom-Json
        $withoutExist._exist | Should -BeOfType [bool]
        $withoutExist.PSObject.Properties.Remove('_exist')
        Test-Json -Json ($withoutExist | ConvertTo-Json -Compress) -Schema ($embedded | ConvertTo-Json -Depth 10) | Should -BeTrue
        @(Get-Nexus).Count | Should -Be 1
        $test = Invoke-ManifestCommand IscsiInitiator test $instance
        Assert-Stdout $test test
        ($test.Stdout[-1] | ConvertFrom-Json)._inDesiredState | Should -BeTrue
        $get = Invoke-ManifestCommand IscsiInitiator get (@{ NodeAddress = $target } | ConvertTo-Json -Compress)
        Assert-Stdout $get get
        ($get.Stdout[-1] | ConvertFrom-Json).State | Should -Be 'LoggedIn'
        $gone = Invoke-ManifestCommand IscsiInitiator set (@{ NodeAddress = $target; _exist = $false } | ConvertTo-Json -Compress)
        Assert-Stdout $gone set
        @(Get-Nexus).Count | Should -Be 0
        $bad = Invoke-ManifestCommand IscsiInitiator get (@{ NodeAddress = $target; NoSuchProperty = 1 } | ConvertTo-Json -Compress)
        $bad.ExitCode | Should -Be 1
        $bad.Stderr | Should -Match 'no property .NoSuchProperty.'
    }

    It 'IscsiTargetPortal: set, get and export through the manifest commands' {
        $instance = @{ TargetPortalAddress = $portal; TargetPortalPortNumber = $port; AuthenticationType = 'OneWayChap'; ChapSecret = @{ username = $chapUser; password = $secret } } | ConvertTo-Json -Depth 4 -Compress
        $set = Invoke-ManifestCommand IscsiTargetPortal set $instance
        Assert-Stdout $set set
        ($set.Stdout[-1] | ConvertFrom-Json).ChapUsername | Should -Be $chapUser
        $export = Invoke-ManifestCommand IscsiTargetPortal export ''
        Assert-Stdout $export export
        @($export.Stdout).Count | Should -Be 1
        $gone = Invoke-ManifestCommand IscsiTargetPortal set (@{ TargetPortalAddress = $portal; TargetPortalPortNumber = $port; _exist = $false } | ConvertTo-Json -Compress)
        Assert-Stdout $gone set
        @(Get-IscsiTargetPortal).Count | Should -Be 0
    }
}

Describe 'With no agent running' {
    It 'Get reports the session absent and starts nothing; Set starts an agent, says so, and the session is the agent''s' {
        Stop-IscsiDhcpAgent -Confirm:$false
        $agents[-1].WaitForExit(30000) | Should -BeTrue
        Get-IscsiDhcpAgent -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $plain = @{ NodeAddress = $target; TargetPortalAddress = $portal; TargetPortalPortNumber = $port; AuthenticationType = 'OneWayChap'; ChapSecret = @{ username = $chapUser; password = $secret } }
        (Get-Adapter IscsiInitiator @{ NodeAddress = $target }).Ensure | Should -Be 'Absent'
        Get-IscsiDhcpAgent -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because 'reading starts no agent'
        $run = Set-Adapter IscsiInitiator $plain
        $run.Stderr | Should -Match 'no IscsiDhcp agent was running, so one was started'
        $started = Get-IscsiDhcpAgent
        $agents.Add((Get-Process -Id $started.ProcessId))
        # The DSC process has exited: the session lives on in the agent.
        $got = Get-Adapter IscsiInitiator @{ NodeAddress = $target }
        $got.State | Should -Be 'LoggedIn'
        $got.HeldBy | Should -Be 'Agent'
        @(Get-Nexus).Count | Should -Be 1
        $null = Set-Adapter IscsiInitiator @{ NodeAddress = $target; Ensure = 'Absent' }
        @(Get-Nexus).Count | Should -Be 0
        Stop-IscsiDhcpAgent -Confirm:$false
    }
}

Describe 'Secrets and the host' {
    It 'the CHAP secret appears in no output, trace or error of any operation, nor in a log or the adapter''s cache' {
        $transcript.Count | Should -BeGreaterThan 20
        foreach ($text in $transcript) { $text | Should -Not -Match ([regex]::Escape($secret)) }
        foreach ($file in Get-ChildItem $dscHome -Recurse -File -ErrorAction SilentlyContinue | Where-Object { $_.FullName -notlike "$state*" }) {
            Get-Content -Raw $file.FullName | Should -Not -Match ([regex]::Escape($secret)) -Because $file.FullName
        }
    }

    It 'leaves the host''s routes as it found them' {
        Get-HostRoute -ExcludeInterface @($iface) | Should -Be $routes
    }
}
