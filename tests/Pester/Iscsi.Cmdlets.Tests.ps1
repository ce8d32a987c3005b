# The iSCSI cmdlets in pwsh against the lab's tgtd (Linux, root: tests/run.sh runs them so).
# Every cmdlet: its happy path and its main failures (wrong input, a peer that never answers,
# cancelled), asserting objects, category and FullyQualifiedErrorId, and that nothing is left
# behind: jobs, our sockets, sessions on the target (tgtadm), files.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $manifestPath = Get-BuiltManifestPath
    Import-Module $manifestPath -Force
    # LUNs big enough that a copy is still running when the test cancels it (1 GiB: about 1-2 s at the copy's speed since issue 18).
    $script:lab = Start-TestLab -Arguments @('--luns', '2', '--lun-size', '1G', '--chap', 'pester-user:pester-secret-1', '--dhcp', 'none')
    $script:portal = $lab.portal.Split(':')[0]
    $script:port = [int]$lab.portal.Split(':')[1]
    $script:target = $lab.targetName
    $script:chap = New-TestCredential 'pester-user' 'pester-secret-1'
    $script:scratch = Join-Path ([IO.Path]::GetTempPath()) ("pester-iscsi-{0}" -f $PID)
    $null = New-Item -ItemType Directory -Force -Path $scratch

    # tgtd's connections of target 1 (empty when no initiator is logged in).
    function Get-TargetConnection {
        @(& tgtadm -C $lab.controlPort --lld iscsi --mode conn --op show --tid 1 | Where-Object { $_ -match '\S' })
    }

    # This process's TCP sockets to a port (ss; the kernel's view, not ours).
    function Get-OwnSocket {
        param([int] $Port)
        @(& ss -Htanp "( dport = :$Port )" | Where-Object { $_ -match "pid=$PID," })
    }

    function Wait-Until {
        param([scriptblock] $Condition, [double] $TimeoutSec = 10)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { return $false }
            Start-Sleep -Milliseconds 50
        }
        $true
    }

    # A portal that accepts TCP (the kernel completes the handshake) and never says a word.
    function Start-SilentPortal {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $listener
    }

    # A target name of our own per test, so the jobs and sessions a test makes are its own.
    function New-TargetName { "iqn.2026-11.org.iscsidhcp.pester:{0}" -f ([guid]::NewGuid().ToString('n').Substring(0, 12)) }

    function Get-ErrorOf {
        param([scriptblock] $Script)
        try { & $Script; $null } catch { $_ }
    }

    function Connect-Lab {
        param([hashtable] $Extra = @{})
        Connect-IscsiTarget -NodeAddress $target -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $chap @Extra
    }

    # A second runspace of this process, with the module, running $Script (to cancel it with Stop()).
    function Start-OtherRunspace {
        param([string] $Script, [hashtable] $Arguments = @{})
        # The module is imported first, on its own: a batch (AddStatement) that is stopped still runs a
        # step on a pool thread, which crashed the process when the test used the runspace right after.
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$manifestPath'").Invoke()
        $ps.Commands.Clear()
        $null = $ps.AddScript($Script)
        foreach ($name in $Arguments.Keys) { $null = $ps.AddParameter($name, $Arguments[$name]) }
        [pscustomobject]@{ PowerShell = $ps; Async = $ps.BeginInvoke() }
    }

    # Waits for the invocation to end before disposing the runspace under it.
    function Stop-OtherRunspace {
        param($Other)
        try { $Other.PowerShell.Stop() } catch { }
        try { $null = $Other.PowerShell.EndInvoke($Other.Async) } catch { }
        $Other.PowerShell.Dispose()
    }
}

AfterAll {
    Get-IscsiSession | Disconnect-IscsiTarget -Force -Confirm:$false -ErrorAction SilentlyContinue
    Get-Job | Where-Object PSJobTypeName -eq 'IscsiDhcpSupervisor' | Remove-Job -Force -ErrorAction SilentlyContinue
    Remove-Module IscsiDhcp -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force $script:scratch -ErrorAction SilentlyContinue
    Stop-TestLab $script:lab
}

Describe 'iSCSI cmdlets against tgtd' -Skip:(-not $IsLinux) {
    Context 'Find-IscsiTarget' {
        It 'finds the lab target' {
            $found = Find-IscsiTarget -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $chap
            $found.NodeAddress | Should -Contain $target
            @(Get-OwnSocket $port).Count | Should -Be 0
        }

        It 'takes a portal with its port, as iscsiadm does' {
            $found = Find-IscsiTarget "$($portal):$port" -AuthenticationType OneWayChap -Credential $chap
            $found.NodeAddress | Should -Contain $target
        }

        It 'parses a bracketed IPv6 portal with a port' {
            # tgtd listens on 127.0.0.1 only: ::1 refuses, which shows the address was parsed.
            $failure = Get-ErrorOf { Find-IscsiTarget "[::1]:$port" -TimeoutSec 5 -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiConnectFailed,IscsiDhcp.Commands.FindIscsiTargetCommand'
            $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
            "$failure" | Should -Match ('cannot connect to ' + [regex]::Escape("[::1]:$port") + ':')
            "$failure" | Should -Not -Match '3260|resolve'
        }

        It 'refuses a portal that is not a host name or an address, naming -TargetPortalAddress' {
            $failure = Get-ErrorOf { Find-IscsiTarget 'not a host' -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'InvalidArgument,IscsiDhcp.Commands.FindIscsiTargetCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            "$failure" | Should -Match '-TargetPortalAddress'
        }

        It 'says a target the portal does not know is not found' {
            $failure = Get-ErrorOf { Find-IscsiTarget $portal -TargetPortalPortNumber $port -NodeAddress (New-TargetName) -AuthenticationType OneWayChap -Credential $chap -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiTargetNotFound,IscsiDhcp.Commands.FindIscsiTargetCommand'
            $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'reports a portal nobody listens on as a connection error' {
            $listener = Start-SilentPortal
            $closed = $listener.LocalEndpoint.Port
            $listener.Stop()
            $failure = Get-ErrorOf { Find-IscsiTarget $portal -TargetPortalPortNumber $closed -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiConnectFailed,IscsiDhcp.Commands.FindIscsiTargetCommand'
            $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
        }
    }

    Context 'Connect-IscsiTarget, Get-IscsiSession, Disconnect-IscsiTarget' {
        It 'connects through the pipeline from Find-IscsiTarget' {
            $found = Find-IscsiTarget -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $chap
            $session = $found | Where-Object NodeAddress -eq $target |
                Connect-IscsiTarget -AuthenticationType OneWayChap -Credential $chap -NopIntervalSec 2 -NopTimeoutSec 2
            $session.State | Should -Be 'LoggedIn'
            $session.IsConnected | Should -BeTrue
            $job = Get-Job -Name "IscsiSession:$target"
            $job.PSJobTypeName | Should -Be 'IscsiDhcpSupervisor'
            $job.State | Should -Be 'Running'
            @(Get-TargetConnection).Count | Should -BeGreaterThan 0
        }

        It 'gets the session by name, and says so when a name matches none' {
            (Get-IscsiSession -NodeAddress $target).State | Should -Be 'LoggedIn'
            $missing = New-TargetName
            $failure = Get-ErrorOf { Get-IscsiSession -NodeAddress $missing -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiSessionNotFound,IscsiDhcp.Commands.GetIscsiSessionCommand'
            $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            "$failure" | Should -Match ([regex]::Escape($missing))
        }

        It 'refuses a second session to the same target as ResourceExists, naming target and session' {
            $existing = Get-IscsiSession -NodeAddress $target
            $failure = Get-ErrorOf { Connect-Lab @{ ErrorAction = 'Stop' } }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiSessionExists,IscsiDhcp.Commands.ConnectIscsiTargetCommand'
            $failure.CategoryInfo.Category | Should -Be 'ResourceExists'
            "$failure" | Should -Match ([regex]::Escape($target))
            "$failure" | Should -Match ([regex]::Escape($existing.SessionIdentifier))
            @(Get-Job -Name "IscsiSession:$target").Count | Should -Be 1
        }

        It 'names the cmdlet parameter when a name is not an iSCSI name' {
            $failure = Get-ErrorOf { Connect-IscsiTarget -NodeAddress 'not an iqn' -TargetPortalAddress $portal -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'InvalidArgument,IscsiDhcp.Commands.ConnectIscsiTargetCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            "$failure" | Should -Match '-NodeAddress'
            "$failure" | Should -Not -Match "\(Parameter '|'TargetName'"
            $failure = Get-ErrorOf { Connect-IscsiTarget -NodeAddress (New-TargetName) -InitiatorName 'me' -TargetPortalAddress $portal -ErrorAction Stop }
            "$failure" | Should -Match '-InitiatorName'
            "$failure" | Should -Not -Match "\(Parameter '|'InitiatorName'"
        }

        It 'takes -TargetPortalAddress with a port' {
            Disconnect-IscsiTarget -NodeAddress $target -Confirm:$false
            $session = Connect-IscsiTarget -NodeAddress $target -TargetPortalAddress "$($portal):$port" -AuthenticationType OneWayChap -Credential $chap
            $session.TargetPortal.Port | Should -Be $port
        }

        It 'keeps a secret given inline out of the job (Get-Job, Export-Clixml)' {
            Disconnect-IscsiTarget -NodeAddress $target -Confirm:$false
            Get-Job -Name "IscsiSession:$target" | Remove-Job
            $null = Connect-IscsiTarget -NodeAddress $target -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential (New-Object System.Management.Automation.PSCredential ('pester-user', (ConvertTo-SecureString 'pester-secret-1' -AsPlainText -Force)))
            $job = Get-Job -Name "IscsiSession:$target"
            $job.Command | Should -Be "Connect-IscsiTarget $target"
            ($job | Format-List * | Out-String) | Should -Not -Match 'pester-secret-1'
            $xml = Join-Path $scratch 'job.xml'
            $job | Export-Clixml -Path $xml -Depth 3
            Get-Content -Raw $xml | Should -Not -Match 'pester-secret-1'
            Remove-Item $xml
        }

        It 'asks before disconnecting and changes nothing under -WhatIf' {
            Disconnect-IscsiTarget -NodeAddress $target -WhatIf
            (Get-IscsiSession -NodeAddress $target).State | Should -Be 'LoggedIn'
        }

        It 'disconnects: no session on the target, no socket, the job completed' {
            Disconnect-IscsiTarget -NodeAddress $target -Confirm:$false
            @(Get-IscsiSession).Count | Should -Be 0
            Wait-Until { @(Get-TargetConnection).Count -eq 0 } | Should -BeTrue
            @(Get-OwnSocket $port).Count | Should -Be 0
            (Get-Job -Name "IscsiSession:$target").State | Should -Be 'Completed'
            Get-Job -Name "IscsiSession:$target" | Remove-Job
        }

        It 'says what it cannot disconnect' {
            $failure = Get-ErrorOf { Disconnect-IscsiTarget -NodeAddress (New-TargetName) -Confirm:$false -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiSessionNotFound,IscsiDhcp.Commands.DisconnectIscsiTargetCommand'
            $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failure = Get-ErrorOf { Disconnect-IscsiTarget -Confirm:$false -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'InvalidArgument,IscsiDhcp.Commands.DisconnectIscsiTargetCommand'
        }

        It 'reports a wrong CHAP secret as a SecurityError with a stable id, and leaves no job' {
            $wrong = New-TestCredential 'pester-user' 'not-the-secret'
            $failure = Get-ErrorOf { Connect-IscsiTarget -NodeAddress $target -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $wrong -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiAuthenticationFailed,IscsiDhcp.Commands.ConnectIscsiTargetCommand'
            $failure.CategoryInfo.Category | Should -Be 'SecurityError'
            "$failure" | Should -Not -Match 'not-the-secret'
            @(Get-Job -Name "IscsiSession:$target" -ErrorAction SilentlyContinue).Count | Should -Be 0
            @(Get-IscsiSession).Count | Should -Be 0
            Wait-Until { @(Get-OwnSocket $port).Count -eq 0 } | Should -BeTrue
        }
    }

    Context 'Connect-IscsiTarget at a portal that never answers, and its jobs' {
        BeforeEach {
            $script:silent = Start-SilentPortal
            $script:silentPort = $silent.LocalEndpoint.Port
            $script:name = New-TargetName
        }

        AfterEach {
            Get-IscsiSession -NodeAddress $name -ErrorAction SilentlyContinue | Disconnect-IscsiTarget -Force -Confirm:$false
            Get-Job -Name "IscsiSession:$name" -ErrorAction SilentlyContinue | Remove-Job -Force
            $silent.Stop()
        }

        It 'gives up after -TimeoutSec and says how long it tried' {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $failure = Get-ErrorOf { Connect-IscsiTarget -NodeAddress $name -TargetPortalAddress 127.0.0.1 -TargetPortalPortNumber $silentPort -TimeoutSec 3 -ErrorAction Stop }
            $clock.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 2.9
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiLoginTimeout,IscsiDhcp.Commands.ConnectIscsiTargetCommand'
            $failure.CategoryInfo.Category | Should -Be 'OperationTimeout'
            # The time it really spent (a loaded machine may take a little longer than asked).
            ("$failure" -match 'within (?<s>\d+\.\d) s') | Should -BeTrue
            [double]$Matches.s | Should -BeGreaterOrEqual 2.9
            [double]$Matches.s | Should -BeLessOrEqual ($clock.Elapsed.TotalSeconds + 0.1)
            Wait-Until { @(Get-OwnSocket $silentPort).Count -eq 0 } | Should -BeTrue
        }

        It 'fails at once when the portal name does not resolve' {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $failure = Get-ErrorOf { Connect-IscsiTarget -NodeAddress $name -TargetPortalAddress 'no-such-portal.invalid' -ErrorAction Stop }
            $clock.Stop()
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiConnectFailed,IscsiDhcp.Commands.ConnectIscsiTargetCommand'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
        }

        It 'leaves no job behind when a Connect fails' {
            $closed = $silentPort
            $silent.Stop()   # refused from now on
            foreach ($try in 1..2) {
                $failure = Get-ErrorOf { Connect-IscsiTarget -NodeAddress $name -TargetPortalAddress 127.0.0.1 -TargetPortalPortNumber $closed -ErrorAction Stop }
                $failure.FullyQualifiedErrorId | Should -Be 'IscsiConnectFailed,IscsiDhcp.Commands.ConnectIscsiTargetCommand'
            }
            @(Get-Job -Name "IscsiSession:$name" -ErrorAction SilentlyContinue).Count | Should -Be 0
            @(Get-IscsiSession -NodeAddress $name -ErrorAction SilentlyContinue).Count | Should -Be 0
        }

        It 'fails an -AsJob job with the error as its Reason' {
            $job = Connect-IscsiTarget -NodeAddress $name -TargetPortalAddress 127.0.0.1 -TargetPortalPortNumber $silentPort -TimeoutSec 1 -AsJob
            $job.State | Should -Be 'Running'
            Wait-Until { $job.State -eq 'Failed' } | Should -BeTrue
            $job.JobStateInfo.Reason | Should -Not -BeNullOrEmpty
            $job.JobStateInfo.Reason.Message | Should -Match 'within \d+\.\d s'
            $job.Error[0].FullyQualifiedErrorId | Should -Be 'IscsiLoginTimeout'
        }

        It 'stops an -AsJob job still logging in as promptly as Ctrl+C' {
            $job = Connect-IscsiTarget -NodeAddress $name -TargetPortalAddress 127.0.0.1 -TargetPortalPortNumber $silentPort -AsJob
            Wait-Until { (Get-IscsiSession -NodeAddress $name -ErrorAction SilentlyContinue).State -eq 'InLogin' } | Should -BeTrue
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $job | Stop-Job
            $clock.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $job.State | Should -Be 'Stopped'
            @(Get-IscsiSession -NodeAddress $name -ErrorAction SilentlyContinue).Count | Should -Be 0
            Wait-Until { @(Get-OwnSocket $silentPort).Count -eq 0 } | Should -BeTrue
        }

        It 'leaves no job and no socket when a Connect is cancelled' {
            $other = Start-OtherRunspace 'param($Name, $Port) Connect-IscsiTarget -NodeAddress $Name -TargetPortalAddress 127.0.0.1 -TargetPortalPortNumber $Port' @{ Name = $name; Port = $silentPort }
            try {
                Wait-Until { (Get-IscsiSession -NodeAddress $name -ErrorAction SilentlyContinue).State -eq 'InLogin' } | Should -BeTrue
                $other.PowerShell.Stop()
                $other.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
                # Jobs live in the runspace that made them: ask that one.
                $other.PowerShell.Commands.Clear()
                $jobs = $other.PowerShell.AddScript("@(Get-Job -Name 'IscsiSession:$name' -ErrorAction SilentlyContinue | ForEach-Object { `$_.State.ToString() })").Invoke()
                @($jobs) | Should -BeNullOrEmpty
            }
            finally { Stop-OtherRunspace $other }
            Wait-Until { @(Get-IscsiSession -NodeAddress $name -ErrorAction SilentlyContinue).Count -eq 0 } | Should -BeTrue
            Wait-Until { @(Get-OwnSocket $silentPort).Count -eq 0 } | Should -BeTrue
        }

        It 'reports each retry once: no Free -> Free, no reason that repeats itself' {
            $closed = $silentPort
            $silent.Stop()   # refused from now on
            $job = Connect-IscsiTarget -NodeAddress $name -TargetPortalAddress 127.0.0.1 -TargetPortalPortNumber $closed -AsJob
            Wait-Until { $job.State -eq 'Failed' } -TimeoutSec 20 | Should -BeTrue
            $changes = @(Receive-Job $job -Keep -ErrorAction SilentlyContinue)
            $changes.Count | Should -BeGreaterThan 0
            foreach ($change in $changes) {
                $change.From | Should -Not -Be $change.To -Because "a transition ($($change.Reason))"
                $change.Reason | Should -Not -Match '(cannot connect to \S+).*\1'
            }
            $job.JobStateInfo.Reason.Message | Should -Not -Match '(cannot connect to \S+).*\1'
        }
    }

    Context 'Get-IscsiLun, Open-IscsiLun, Measure-IscsiLun, Copy-IscsiLun' {
        BeforeAll {
            $null = Connect-Lab
        }

        It 'lists the LUNs, and writes an error for a LUN that does not exist' {
            $luns = Get-IscsiSession -NodeAddress $target | Get-IscsiLun
            ($luns | Where-Object DeviceType -eq 'Disk').Lun | Should -Be @(1, 2)
            $errors = $null
            $none = Get-IscsiLun -NodeAddress $target -Lun 99 -ErrorVariable errors -ErrorAction SilentlyContinue
            $none | Should -BeNullOrEmpty
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be 'IscsiLunNotFound,IscsiDhcp.Commands.GetIscsiLunCommand'
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            "$($errors[0])" | Should -Be "LUN 99 does not exist on $target"
        }

        It 'opens a LUN as a stream, and refuses LUNs that are not block devices or do not exist' {
            $stream = Open-IscsiLun -NodeAddress $target -Lun 2
            try { $stream.Length | Should -Be 1GB } finally { $stream.Dispose() }
            $failure = Get-ErrorOf { Open-IscsiLun -NodeAddress $target -Lun 0 -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiLunNotBlockDevice,IscsiDhcp.Commands.OpenIscsiLunCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidOperation'
            "$failure" | Should -Match 'LUN 0 .*StorageArrayController'
            $failure = Get-ErrorOf { Open-IscsiLun -NodeAddress $target -Lun 99 -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiLunNotFound,IscsiDhcp.Commands.OpenIscsiLunCommand'
        }

        It 'gives a shell session no export URI, and Mount-IscsiLun says only agent-held sessions have one' {
            (Get-IscsiLun -NodeAddress $target -Lun 1).ExportUri | Should -BeNullOrEmpty
            $failure = Get-ErrorOf { Mount-IscsiLun -NodeAddress $target -Lun 1 -ErrorAction Stop }
            $failure.CategoryInfo.Category | Should -Be 'InvalidOperation'
            "$failure" | Should -Match 'held by this shell; only sessions the IscsiDhcp agent holds have an NBD export'
        }

        It 'measures every disk a pipeline brings, and refuses the controller (LUN 0) without stopping the pipeline' {
            $errors = $null
            $results = Get-IscsiLun -NodeAddress $target | Measure-IscsiLun -DurationSec 1 -QueueDepth 4 -ErrorVariable errors -ErrorAction SilentlyContinue
            $results.Lun | Should -Be @(1, 2)
            $results | ForEach-Object { $_.Iops | Should -BeGreaterThan 0; $_.Errors | Should -Be 0 }
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be 'IscsiLunNotBlockDevice,IscsiDhcp.Commands.MeasureIscsiLunCommand'
            $errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
            "$($errors[0])" | Should -Match "^LUN 0 of $([regex]::Escape($target)) is a StorageArrayController .*not a block device"
        }

        It 'runs its help example against tgtd' {
            $help = Get-Content -Raw (Join-Path (Get-RepositoryRoot) 'docs/Measure-IscsiLun.md')
            $example = [regex]::Match($help, '### Example 2[^`]*```powershell\s*(?<code>[^`]+?)\s*```').Groups['code'].Value
            $example | Should -Match 'Measure-IscsiLun'
            # The lab's target for the example's, and one second instead of ten per LUN.
            $code = $example.Replace("'*scratch*'", "'$target'").Replace('Measure-IscsiLun ', 'Measure-IscsiLun -DurationSec 1 ')
            $out = @(Invoke-Expression $code 2>&1)
            @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Should -BeNullOrEmpty
            ([regex]::Matches(($out | Out-String), 'Iops\s*:\s*[1-9]')).Count | Should -Be 2
        }

        It 'refuses a LUN named outright that is not a block device, and goes on with the next item' {
            $errors = $null
            $results = 0, 2 | ForEach-Object { [pscustomobject]@{ Lun = $_ } } |
                Measure-IscsiLun -NodeAddress $target -DurationSec 1 -ErrorVariable errors -ErrorAction SilentlyContinue
            @($results).Count | Should -Be 1
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be 'IscsiLunNotBlockDevice,IscsiDhcp.Commands.MeasureIscsiLunCommand'
            "$($errors[0])" | Should -Match "LUN 0 of $([regex]::Escape($target))"
            $failure = Get-ErrorOf { Measure-IscsiLun -NodeAddress $target -Lun 99 -DurationSec 1 -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiLunNotFound,IscsiDhcp.Commands.MeasureIscsiLunCommand'
        }

        It 'copies a file in and out with verification' {
            $source = Join-Path $scratch 'in.bin'
            $back = Join-Path $scratch 'out.bin'
            $bytes = New-Object byte[] (1MB)
            (New-Object Random 7).NextBytes($bytes)
            [IO.File]::WriteAllBytes($source, $bytes)
            $in = Get-IscsiLun -NodeAddress $target -Lun 1 | Copy-IscsiLun -Direction FileToLun -Path $source -Verify -PassThru -Confirm:$false
            $in.Verified | Should -BeTrue
            $out = Copy-IscsiLun -NodeAddress $target -Lun 1 -Direction LunToFile -Path $back -Length 1MB -PassThru -Confirm:$false
            $out.Sha256 | Should -Be $in.Sha256
            Remove-Item $source, $back
            @(Get-ChildItem $scratch).Count | Should -Be 0
        }

        It 'copies every disk of a pipeline, and refuses the controller without stopping the pipeline' {
            $errors = $null
            $path = Join-Path $scratch 'each.bin'
            $results = Get-IscsiLun -NodeAddress $target | Copy-IscsiLun -Direction LunToFile -Path $path -Length 64KB -PassThru -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
            @($results).Count | Should -Be 2
            $results[1].Source | Should -Be "LUN 2 of $target"
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be 'IscsiLunNotBlockDevice,IscsiDhcp.Commands.CopyIscsiLunCommand'
            Remove-Item $path
            @(Get-ChildItem -Force $scratch).Count | Should -Be 0
        }

        It 'says an -Offset past the end of the LUN is past the end, with its size' {
            $failure = Get-ErrorOf { Copy-IscsiLun -NodeAddress $target -Lun 1 -Direction LunToFile -Path (Join-Path $scratch 'x.bin') -Offset 1GB -Confirm:$false -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'InvalidArgument,IscsiDhcp.Commands.CopyIscsiLunCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            "$failure" | Should -Match '-Offset 1073741824 is past the end of LUN 1'
            "$failure" | Should -Match '1073741824 bytes'
            "$failure" | Should -Not -Match 'negative'
            @(Get-ChildItem $scratch).Count | Should -Be 0
        }

        It 'says LUN 99 does not exist' {
            $failure = Get-ErrorOf { Copy-IscsiLun -NodeAddress $target -Lun 99 -Direction LunToFile -Path (Join-Path $scratch 'x.bin') -Confirm:$false -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'IscsiLunNotFound,IscsiDhcp.Commands.CopyIscsiLunCommand'
            $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            "$failure" | Should -Be "LUN 99 does not exist on $target"
            "$failure" | Should -Not -Match 'ASC'
        }

        It 'says a -Path that is a directory is a directory' {
            foreach ($direction in 'LunToFile', 'FileToLun') {
                $failure = Get-ErrorOf { Copy-IscsiLun -NodeAddress $target -Lun 1 -Direction $direction -Path $scratch -Confirm:$false -ErrorAction Stop }
                $failure.FullyQualifiedErrorId | Should -Be 'InvalidArgument,IscsiDhcp.Commands.CopyIscsiLunCommand'
                "$failure" | Should -Match '-Path .* is a directory'
            }
        }

        It 'says a -Path to copy in that does not exist is not found' {
            $failure = Get-ErrorOf { Copy-IscsiLun -NodeAddress $target -Lun 1 -Direction FileToLun -Path (Join-Path $scratch 'none.bin') -Confirm:$false -ErrorAction Stop }
            $failure.FullyQualifiedErrorId | Should -Be 'FileNotFound,IscsiDhcp.Commands.CopyIscsiLunCommand'
            $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'leaves no file when a copy to a new file is cancelled' {
            $path = Join-Path $scratch 'cancelled.bin'
            $other = Start-OtherRunspace 'param($Target, $Path) Copy-IscsiLun -NodeAddress $Target -Lun 2 -Direction LunToFile -Path $Path -Confirm:$false' @{ Target = $target; Path = $path }
            try {
                Wait-Until { @(Get-ChildItem -Force $scratch | Where-Object Length -gt 8MB).Count -gt 0 } | Should -BeTrue
                $other.PowerShell.Stop()
                $other.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally { Stop-OtherRunspace $other }
            Test-Path $path | Should -BeFalse
            @(Get-ChildItem -Force $scratch).Count | Should -Be 0
        }

        It 'keeps the old file when a copy over it is cancelled' {
            $path = Join-Path $scratch 'old.bin'
            Set-Content -Path $path -Value 'the old content'
            $before = (Get-FileHash $path).Hash
            $other = Start-OtherRunspace 'param($Target, $Path) Copy-IscsiLun -NodeAddress $Target -Lun 2 -Direction LunToFile -Path $Path -Confirm:$false' @{ Target = $target; Path = $path }
            try {
                Wait-Until { @(Get-ChildItem -Force $scratch | Where-Object Length -gt 8MB).Count -gt 0 } | Should -BeTrue
                $other.PowerShell.Stop()
            }
            finally { Stop-OtherRunspace $other }
            (Get-FileHash $path).Hash | Should -Be $before
            @(Get-ChildItem -Force $scratch).Name | Should -Be @('old.bin')
            Remove-Item $path
        }

        It 'replaces the old file when the copy finishes' {
            $path = Join-Path $scratch 'replaced.bin'
            Set-Content -Path $path -Value 'the old content'
            $result = Copy-IscsiLun -NodeAddress $target -Lun 1 -Direction LunToFile -Path $path -Length 1MB -PassThru -Confirm:$false
            (Get-Item $path).Length | Should -Be 1MB
            (Get-FileHash $path).Hash | Should -Be $result.Sha256
            @(Get-ChildItem -Force $scratch).Name | Should -Be @('replaced.bin')
            Remove-Item $path
        }
    }

    Context 'CHAP algorithms: the fallback explained and remembered' {
        It 'says why a default CHAP login to tgtd takes a second connection, and the reconnect takes one' {
            # A fresh pwsh: what a portal accepted is remembered for the life of the process.
            $initiator = 'iqn.2026-11.org.iscsidhcp.pester:chap-{0}' -f $PID
            $script = @"
`$c = New-Object System.Management.Automation.PSCredential ('pester-user', (ConvertTo-SecureString 'pester-secret-1' -AsPlainText -Force))
`$null = Connect-IscsiTarget -NodeAddress '$target' -TargetPortalAddress '$portal' -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential `$c -InitiatorName '$initiator' -NopIntervalSec 1 -NopTimeoutSec 1
`$before = @(Receive-Job -Name 'IscsiSession:$target' -Keep).Count
`$shown = (& tgtadm -C $($lab.controlPort) --lld iscsi --mode conn --op show --tid 1) -join "``n"
`$ours = [regex]::Match(`$shown, 'Session: (\d+)\s+Connection: (\d+)\s+Initiator: $([regex]::Escape($initiator))')
& tgtadm -C $($lab.controlPort) --lld iscsi --mode conn --op delete --tid 1 --sid `$ours.Groups[1].Value --cid `$ours.Groups[2].Value
`$deadline = [DateTime]::UtcNow.AddSeconds(20)
while (((Get-IscsiSession -NodeAddress '$target').ReconnectCount -lt 1 -or (Get-IscsiSession -NodeAddress '$target').State -ne 'LoggedIn') -and [DateTime]::UtcNow -lt `$deadline) { Start-Sleep -Milliseconds 100 }
`$changes = @(Receive-Job -Name 'IscsiSession:$target' -Keep | Where-Object { `$_.PSObject.Properties['To'] })
foreach (`$change in `$changes) { 'CHANGE {0} {1}->{2}: {3}' -f `$changes.IndexOf(`$change), `$change.From, `$change.To, `$change.Reason }
'BEFORE {0}' -f `$before
Get-IscsiSession -NodeAddress '$target' | Disconnect-IscsiTarget -Confirm:`$false
"@
            $run = Invoke-FreshPwsh $script
            $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
            $changes = @($run.Output | ForEach-Object { "$_" } | Where-Object { $_ -like 'CHANGE *' })
            $connects = @($changes | Where-Object { $_ -match '->XptWait' })
            # First login: two connections, the second saying why.
            $connects[1] | Should -Match 'SHA-256' -Because ($changes -join "`n")
            # After the target dropped the connection: one connection, straight to what worked.
            $reconnects = @($changes | Where-Object { $_ -match 'LoggedIn->' } | Select-Object -First 1)
            $reconnects | Should -Not -BeNullOrEmpty -Because ($changes -join "`n")
            $after = [int]($reconnects[0] -replace '^CHANGE (\d+).*', '$1')
            @($connects | Where-Object { [int]($_ -replace '^CHANGE (\d+).*', '$1') -gt $after }).Count | Should -Be 1 -Because ($changes -join "`n")
            Wait-Until { -not (@(Get-TargetConnection) -match [regex]::Escape($initiator)) } | Should -BeTrue
        }
    }

    Context 'The end of the module and of the shell' {
        It 'logs every session out when the module is removed' {
            if (-not (Get-IscsiSession -NodeAddress $target -ErrorAction SilentlyContinue)) { $null = Connect-Lab }
            Remove-Module IscsiDhcp
            Import-Module $manifestPath -Force
            @(Get-IscsiSession).Count | Should -Be 0
            Wait-Until { @(Get-TargetConnection).Count -eq 0 } | Should -BeTrue
            @(Get-OwnSocket $port).Count | Should -Be 0
            Get-Job | Where-Object PSJobTypeName -eq 'IscsiDhcpSupervisor' | Remove-Job -Force
        }

        It 'logs out, not just closes, when pwsh exits with a session open' {
            $log = Join-Path $lab.directory "tgtd-$port.log"
            # tgtd's debug log names each PDU's opcode: 0x46 is an immediate Logout Request.
            & tgtadm -C $lab.controlPort --mode system --op update --name debug --value on
            try {
                $mark = @(Get-Content $log).Count
                $run = Invoke-FreshPwsh "`$c = New-Object System.Management.Automation.PSCredential ('pester-user', (ConvertTo-SecureString 'pester-secret-1' -AsPlainText -Force)); `$s = Connect-IscsiTarget -NodeAddress '$target' -TargetPortalAddress '$portal' -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential `$c; `$s.State; exit 3"
                $run.Output | Should -Contain 'LoggedIn'
                $run.ExitCode | Should -Be 3
                Wait-Until { @(Get-TargetConnection).Count -eq 0 } | Should -BeTrue
                $since = @(Get-Content $log | Select-Object -Skip $mark)
                $since -match 'conn_take_fd' | Should -Not -BeNullOrEmpty -Because 'the fresh pwsh logged in'
                $since -match 'iscsi_task_queue\(\d+\) \S+ \S+ (46|6)$' | Should -Not -BeNullOrEmpty -Because 'a Logout Request reached tgtd'
            }
            finally {
                & tgtadm -C $lab.controlPort --mode system --op update --name debug --value off
            }
        }
    }
}
