# The agent (issue 15) with real processes: agents started, killed and stopped as a service
# manager would, shells that come and go, a caller that is not root (nobody), against the
# lab's tgtd. Each agent here has a socket and state of its own (ISCSIDHCP_AGENT_SOCKET), so
# the host's own agent, if any, is never touched.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $script:manifest = Get-BuiltManifestPath
    Import-Module $manifest -Force
    $script:pwsh = Get-PwshPath
    $script:lab = Start-TestLab -Arguments @('--chap', 'pester-user:pester-secret-1', '--dhcp', 'none')
    $script:portal = $lab.portal.Split(':')[0]
    $script:port = [int]$lab.portal.Split(':')[1]
    $script:target = $lab.targetName
    # Reachable by nobody: a folder of its own under /tmp (0755), the socket in it is 0666.
    $script:agentHome = Join-Path '/tmp' ("pester-agent-{0}" -f $PID)
    $null = New-Item -ItemType Directory -Force -Path $agentHome
    & chmod 0755 $agentHome
    $script:socket = Join-Path $agentHome 'agent.sock'
    $script:state = Join-Path $agentHome 'state'
    $env:ISCSIDHCP_AGENT_SOCKET = $socket
    $script:agents = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()

    # An agent in the foreground, as systemd runs it; returns once it answers.
    function Start-Agent {
        param([string] $Arguments = '')
        $process = Start-TestAgent -StateDirectory $state -LogPath (Join-Path $agentHome ("agent-{0}.log" -f $agents.Count)) -Arguments $Arguments
        $agents.Add($process)
        $process
    }

    function Wait-Until {
        param([scriptblock] $Condition, [double] $TimeoutSec = 10)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { return $false }
            Start-Sleep -Milliseconds 100
        }
        $true
    }

    # tgtd's I_T nexuses of target 1: one per session logged in.
    function Get-Nexus {
        @(& tgtadm -C $lab.controlPort --lld iscsi --mode target --op show | Where-Object { $_ -match '^\s+I_T nexus: \d+' })
    }

    # Another shell: a fresh pwsh that imports the module, runs $Script and exits.
    function Invoke-Shell {
        param([string] $Script, [switch] $AsNobody)
        $command = "`$ErrorActionPreference = 'Stop'; Import-Module '$manifest'; $Script"
        if ($AsNobody) {
            $nobodyFolder = Join-Path $agentHome 'nobody'
            $null = New-Item -ItemType Directory -Force -Path $nobodyFolder
            & chown nobody $nobodyFolder
            & runuser -u nobody -- env "HOME=$nobodyFolder" "ISCSIDHCP_AGENT_SOCKET=$socket" NO_COLOR=1 /opt/iscsidhcp-pwsh/pwsh -NoProfile -NonInteractive -Command $command 2>&1
        }
        else {
            & $pwsh -NoProfile -NonInteractive -Command $command 2>&1
        }
    }

    $script:credential = "(New-Object System.Management.Automation.PSCredential ('pester-user', (ConvertTo-SecureString 'pester-secret-1' -AsPlainText -Force)))"
    $script:connect = "Connect-IscsiTarget -NodeAddress '$target' -TargetPortalAddress '$portal' -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $credential"
}

AfterAll {
    foreach ($agent in $agents) {
        if (-not $agent.HasExited) { $agent.Kill(); $agent.WaitForExit(10000) }
    }
    Get-Process -ErrorAction SilentlyContinue | Where-Object { $_.CommandLine -match [regex]::Escape($socket) } | Stop-Process -Force -ErrorAction SilentlyContinue
    Remove-Item Env:ISCSIDHCP_AGENT_SOCKET -ErrorAction SilentlyContinue
    Stop-TestLab $lab
    if ($script:kea) { Stop-TestLab $kea }
    Remove-Item -Recurse -Force $agentHome -ErrorAction SilentlyContinue
}

Describe 'The agent' {
    It 'keeps a session a shell connected after that shell exits, and shows it to the next one' {
        $agent = Start-Agent
        $out = Invoke-Shell "$connect | ForEach-Object { `$_.HeldBy }"
        $LASTEXITCODE | Should -Be 0 -Because "$out"
        "$out" | Should -Match 'Agent'
        $seen = Invoke-Shell "Get-IscsiSession | ForEach-Object { '{0}|{1}|{2}' -f `$_.TargetNodeAddress, `$_.State, `$_.HeldBy }"
        "$seen" | Should -Be "$target|LoggedIn|Agent"
        @(Get-Nexus).Count | Should -Be 1
        # The shell here sees it too, through the agent; leaving it alone on exit is what the next test relies on.
        (Get-IscsiSession).HeldBy | Should -Be 'Agent'
    }

    It 'lets nobody read, and refuses every state change with PermissionDenied, changing nothing' {
        $read = Invoke-Shell -AsNobody "(Get-IscsiSession).State; (Get-IscsiDhcpAgent).ProcessId"
        $LASTEXITCODE | Should -Be 0 -Because "$read"
        $read[0] | Should -Be 'LoggedIn'
        $before = (Get-IscsiDhcpAgent).PermissionDenied
        $refused = Invoke-Shell -AsNobody "try { Disconnect-IscsiTarget -NodeAddress '$target' -Confirm:`$false } catch { `$_.CategoryInfo.Category; `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $refused[0] | Should -Be 'PermissionDenied'
        $refused[1] | Should -BeLike 'IscsiDhcpAgentPermissionDenied,*'
        $refused[2] | Should -Match 'disconnecting a session needs privilege.*uid 65534.*Nothing was changed'
        (Get-IscsiSession).State | Should -Be 'LoggedIn'
        @(Get-Nexus).Count | Should -Be 1
        (Get-IscsiDhcpAgent).PermissionDenied | Should -Be ($before + 1)
    }

    It 'reads and writes the LUNs of an agent-held session from any shell through its NBD export, and shows their export URIs' {
        $lunFile = $lab.lunFiles[0]
        $random = Join-Path $agentHome 'random.bin'
        $bytes = [byte[]]::new(8MB)
        [Random]::new(15).NextBytes($bytes)
        [IO.File]::WriteAllBytes($random, $bytes)
        $written = Invoke-Shell "Copy-IscsiLun -NodeAddress '$target' -Lun 1 -Direction FileToLun -Path '$random' -Offset 1MB -Verify -PassThru -Confirm:`$false | ForEach-Object { `$_.Sha256 + '|' + `$_.Verified }"
        $LASTEXITCODE | Should -Be 0 -Because "$written"
        "$written" | Should -Be "$((Get-FileHash $random -Algorithm SHA256).Hash)|True"
        # What tgtd wrote into its backing file is what the shell copied in.
        $stream = [IO.File]::OpenRead($lunFile)
        try {
            $backing = [byte[]]::new($bytes.Length)
            $stream.Position = 1MB
            $read = 0
            while ($read -lt $backing.Length) { $read += $stream.Read($backing, $read, $backing.Length - $read) }
        }
        finally { $stream.Dispose() }
        [Linq.Enumerable]::SequenceEqual($backing, $bytes) | Should -BeTrue -Because 'the backing file holds what went through the export'

        # Another shell reads the whole LUN back: the backing file's SHA-256.
        $copy = Join-Path $agentHome 'lun.bin'
        $read = Invoke-Shell "Copy-IscsiLun -NodeAddress '$target' -Lun 1 -Direction LunToFile -Path '$copy' -PassThru -Confirm:`$false | ForEach-Object Sha256"
        $LASTEXITCODE | Should -Be 0 -Because "$read"
        "$read" | Should -Be (Get-FileHash $lunFile -Algorithm SHA256).Hash
        $opened = Invoke-Shell "`$s = Open-IscsiLun -NodeAddress '$target' -Lun 1; try { `$s.Position = 1MB + 100; `$b = [byte[]]::new(16); `$null = `$s.Read(`$b, 0, 16); [BitConverter]::ToString(`$b) } finally { `$s.Dispose() }"
        "$opened" | Should -Be ([BitConverter]::ToString($bytes, 100, 16))
        $measured = Invoke-Shell "Measure-IscsiLun -NodeAddress '$target' -Lun 1 -DurationSec 1 -QueueDepth 4 | ForEach-Object { '{0}|{1}' -f `$_.Ios, `$_.Errors }"
        $ios, $errors = "$measured".Split('|')
        [long]$ios | Should -BeGreaterThan 0 -Because "$measured"
        $errors | Should -Be '0'

        # Get-IscsiLun names the export; a real NBD client takes the URI as it is.
        $uri = Invoke-Shell "(Get-IscsiLun -NodeAddress '$target' -Lun 1).ExportUri"
        "$uri" | Should -Be "nbd+unix:///$target/1?socket=$agentHome/nbd.sock"
        & nbdinfo --size "$uri" | Should -Be (Get-Item $lunFile).Length

        # nobody describes the LUN, and is refused its data.
        $described = Invoke-Shell -AsNobody "Get-IscsiLun -NodeAddress '$target' -Lun 1 | ForEach-Object { '{0}|{1}' -f `$_.Size, `$_.ExportUri }"
        $LASTEXITCODE | Should -Be 0 -Because "$described"
        "$described" | Should -Be "$((Get-Item $lunFile).Length)|$uri"
        $refused = Invoke-Shell -AsNobody "try { Copy-IscsiLun -NodeAddress '$target' -Lun 1 -Direction LunToFile -Path '/tmp/nobody-$PID.bin' -Confirm:`$false } catch { `$_.CategoryInfo.Category; `$_.Exception.Message }"
        $refused[0] | Should -Be 'PermissionDenied'
        $refused[1] | Should -Match 'needs privilege'
        Test-Path "/tmp/nobody-$PID.bin" | Should -BeFalse
        Remove-Item $random, $copy
    }

    It 'says where the kernel has no NBD driver that Mount-IscsiLun cannot attach, and names the export URI instead' {
        if (Test-Path /sys/block/nbd0) { Set-ItResult -Skipped -Because 'this kernel has an NBD driver; attaching is not what this test checks' ; return }
        $uri = (Get-IscsiLun -NodeAddress $target -Lun 1).ExportUri
        $uri | Should -Not -BeNullOrEmpty
        $mounted = Mount-IscsiLun -NodeAddress $target -Lun 1 -ErrorAction SilentlyContinue -ErrorVariable failed
        $mounted | Should -BeNullOrEmpty
        $failed.Count | Should -Be 1
        $failed[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'NbdDriverUnavailable,*'
        $failed[0].Exception.Message | Should -BeLike "*NBD driver is not loaded*$uri"
        $failed[0].Exception.ExportUri | Should -Be $uri
        # The URI it names works as it is.
        & nbdinfo --size $failed[0].Exception.ExportUri | Should -Be (Get-Item $lab.lunFiles[0]).Length
        # Still checked first: a LUN that is not there is said as such, not as a missing driver.
        Mount-IscsiLun -NodeAddress $target -Lun 7 -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'IscsiLunNotFound,*'
        Dismount-IscsiLun -Device /dev/nbd0 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable detach
        $detach[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $detach[0].Exception.Message | Should -Match '^-Device /dev/nbd0: nothing can be attached on this host'
    }

    It 'keeps target portals root-only with their secrets, shows them to nobody without secrets, and refuses nobody changes' {
        # A portal where nothing listens is not kept: the discovery that checks it fails first.
        { New-IscsiTargetPortal -TargetPortalAddress $portal -TargetPortalPortNumber 1 -TimeoutSec 5 -Confirm:$false -ErrorAction Stop } | Should -Throw
        @(Get-IscsiTargetPortal).Count | Should -Be 0
        $secret = ConvertTo-SecureString 'pester-secret-1' -AsPlainText -Force
        $chap = [System.Management.Automation.PSCredential]::new('pester-user', $secret)
        $kept = New-IscsiTargetPortal -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $chap -IsHeaderDigest -Confirm:$false
        $kept.TargetPortalAddress | Should -Be $portal
        $kept.AuthenticationType | Should -Be 'OneWayChap'
        $kept.ChapUserName | Should -Be 'pester-user'
        $kept.IsHeaderDigest | Should -BeTrue
        $file = Join-Path $state 'agent/state.json'
        (& stat -c '%a' $file) | Should -Be '600'
        # Every local user sees the portal, never its secret; changing it is refused and changes nothing.
        $seen = Invoke-Shell -AsNobody "Get-IscsiTargetPortal | ConvertTo-Json -Depth 4; Get-IscsiTargetPortal | Format-Table | Out-String -Width 120"
        $LASTEXITCODE | Should -Be 0 -Because "$seen"
        "$seen" | Should -Match ([regex]::Escape($portal))
        "$seen" | Should -Match 'pester-user'
        "$seen" | Should -Not -Match 'pester-secret'
        $refused = Invoke-Shell -AsNobody "foreach (`$c in { Remove-IscsiTargetPortal -TargetPortalAddress '$portal' -TargetPortalPortNumber $port -Confirm:`$false }, { New-IscsiTargetPortal -TargetPortalAddress '$portal' -TargetPortalPortNumber $port -Confirm:`$false }) { try { & `$c } catch { `$_.CategoryInfo.Category } }"
        @($refused) | Should -Be @('PermissionDenied', 'PermissionDenied')
        (Get-IscsiTargetPortal).AuthenticationType | Should -Be 'OneWayChap'
        # A name that matches nothing is an error; a wildcard that matches nothing is not.
        Get-IscsiTargetPortal -TargetPortalAddress 203.0.113.9 -ErrorAction SilentlyContinue -ErrorVariable missing | Should -BeNullOrEmpty
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'IscsiTargetPortalNotFound,*'
        Get-IscsiTargetPortal -TargetPortalAddress '203.0.113.*' -ErrorVariable none | Should -BeNullOrEmpty
        $none | Should -BeNullOrEmpty
        Get-IscsiTargetPortal | Remove-IscsiTargetPortal -Confirm:$false
        @(Get-IscsiTargetPortal).Count | Should -Be 0
        Remove-IscsiTargetPortal -TargetPortalAddress $portal -TargetPortalPortNumber $port -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable gone
        $gone[0].FullyQualifiedErrorId | Should -BeLike 'IscsiTargetPortalNotFound,*'
        Get-Content -Raw $file | Should -Not -Match 'pester-secret' -Because 'a removed portal takes its secret with it'
        Get-ChildItem $agentHome -Filter '*.log*' | Get-Content -Raw | Should -Not -Match 'pester-secret'
    }

    It 'refuses a second agent for the same socket' {
        $second = & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; Start-IscsiDhcpAgent -Foreground -StateDirectory '$state'" 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        "$second" | Should -Match 'another IscsiDhcp agent is running'
        (Get-IscsiDhcpAgent).ProcessId | Should -Be $agents[-1].Id
    }

    It 'brings a persistent session back after SIGKILL, and logs it out on SIGTERM' {
        Get-IscsiSession | Register-IscsiSession | ForEach-Object IsPersistent | Should -BeTrue
        $file = Join-Path $state 'agent/state.json'
        (& stat -c '%a' $file) | Should -Be '600'
        (& stat -c '%a' (Split-Path $file)) | Should -Be '700'
        $killed = $agents[-1]
        & kill -KILL $killed.Id
        $killed.WaitForExit(10000) | Should -BeTrue
        $null = Start-Agent
        Wait-Until { (Get-IscsiSession | Where-Object { $_.State -eq 'LoggedIn' -and $_.IsPersistent }) } 30 | Should -BeTrue
        Wait-Until { @(Get-Nexus).Count -eq 1 } 10 | Should -BeTrue
        $agent = $agents[-1]
        & kill -TERM $agent.Id
        $agent.WaitForExit(30000) | Should -BeTrue
        Wait-Until { @(Get-Nexus).Count -eq 0 } 10 | Should -BeTrue -Because 'SIGTERM logs every session out'
        Get-Content -Raw (Join-Path $agentHome 'agent-1.log') | Should -Match 'logging sessions out'
        Test-Path $socket | Should -BeFalse
        # Still persistent: the next agent logs it in again.
        $null = Start-Agent
        Wait-Until { (Get-IscsiSession | Where-Object State -eq 'LoggedIn') } 30 | Should -BeTrue
        Unregister-IscsiSession -NodeAddress $target -InitiatorName (Get-IscsiSession).InitiatorNodeAddress -Confirm:$false
        Disconnect-IscsiTarget -NodeAddress $target -Confirm:$false
        Stop-IscsiDhcpAgent -Confirm:$false
        $agents[-1].WaitForExit(30000) | Should -BeTrue
        @(Get-Nexus).Count | Should -Be 0
    }

    It 'starts an agent on demand for -IsPersistent and says so, never falling back to the shell' {
        Test-Path $socket | Should -BeFalse
        $session = Invoke-Expression "$connect -IsPersistent -WarningVariable started"
        "$started" | Should -Match 'needs the IscsiDhcp agent: started one \(pid \d+'
        $session.HeldBy | Should -Be 'Agent'
        $session.IsPersistent | Should -BeTrue
        $agent = Get-IscsiDhcpAgent
        $agent.IdleTimeout | Should -Be ([TimeSpan]::FromSeconds(300))
        $agents.Add((Get-Process -Id $agent.ProcessId))
        Unregister-IscsiSession -SessionIdentifier $session.SessionIdentifier -Confirm:$false
        (Get-IscsiSession).IsPersistent | Should -BeFalse
        Disconnect-IscsiTarget -NodeAddress $target -Confirm:$false
        Stop-IscsiDhcpAgent -Confirm:$false
        @(Get-Nexus).Count | Should -Be 0
    }

    It 'watches an agent-held session with a job in the shell; Stop-Job logs it out in the agent' {
        $null = Start-Agent
        $job = Invoke-Expression "$connect -AsJob"
        $job.PSJobTypeName | Should -Be 'IscsiDhcpSupervisor'
        Wait-Until { (Get-IscsiSession -ErrorAction SilentlyContinue).State -eq 'LoggedIn' } 15 | Should -BeTrue
        (Get-IscsiSession).HeldBy | Should -Be 'Agent'
        Wait-Until { @(Receive-Job $job -Keep | Where-Object { $_.PSObject.Properties['To'] -and "$($_.To)" -eq 'LoggedIn' }).Count -ge 1 } 10 |
            Should -BeTrue -Because 'the job shows the state changes the agent streams'
        $job | Stop-Job
        Wait-Until { @(Get-Nexus).Count -eq 0 } 10 | Should -BeTrue -Because 'Stop-Job logs the session out, in the agent'
        Get-IscsiSession | Should -BeNullOrEmpty
        Stop-IscsiDhcpAgent -Confirm:$false
        $agents[-1].WaitForExit(30000) | Should -BeTrue
    }

    It 'leaves after its idle timeout with nothing to manage, never while it holds a session' {
        $agent = Start-Agent -Arguments '-IdleTimeoutSec 2'
        $out = Invoke-Shell "$connect | ForEach-Object { `$_.HeldBy }"
        "$out" | Should -Match 'Agent'
        Start-Sleep -Seconds 5
        $agent.HasExited | Should -BeFalse -Because 'it holds a session'
        Disconnect-IscsiTarget -NodeAddress $target -Confirm:$false
        $agent.WaitForExit(15000) | Should -BeTrue -Because 'with nothing to manage it leaves after 2 s'
        Get-Content -Raw (Join-Path $agentHome ('agent-{0}.log' -f ($agents.Count - 1))) | Should -Match 'nothing to manage for 2 s'
        Test-Path $socket | Should -BeFalse
    }

    It 'ships a systemd unit that systemd-analyze verifies' {
        $unit = Join-Path (Split-Path $manifest) 'iscsidhcp-agent.service'
        Test-Path $unit | Should -BeTrue
        $out = & systemd-analyze verify $unit 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$out"
    }
}

Describe "The agent's leases" {
    BeforeAll {
        # kea with 20 s leases: T1 comes 10 s after each renewal, so "renews with no shell open" is seen in a test.
        $script:kea = Start-TestLab -Arguments @('--luns', '1', '--lun-size', '1M', '--dhcp', 'kea', '--lease-time', '20')
        $script:iface = $kea.dhcpClientInterface
        function Get-InterfaceAddress {
            @((& ip -4 -j addr show dev $iface | ConvertFrom-Json).addr_info | Where-Object local | ForEach-Object local)
        }
        # kea's log: each DISCOVER answered is an advert, each REQUEST acknowledged an allocation.
        function Get-KeaCount([string] $What) {
            [regex]::Matches((Get-Content -Raw $kea.dhcpServerLog), $What).Count
        }
        function Send-ServerSignal([string] $Signal) {
            foreach ($id in @(& ip netns pids $kea.dhcpNetns)) { & /usr/bin/kill "-$Signal" "$id" }
        }
        $script:agent = Start-Agent
    }

    AfterAll {
        Send-ServerSignal CONT
        Get-DhcpLease -ErrorAction SilentlyContinue | Stop-DhcpLease -Release -Confirm:$false -ErrorAction SilentlyContinue
        Stop-IscsiDhcpAgent -Confirm:$false -ErrorAction SilentlyContinue
        & ip -4 addr flush dev $iface 2>$null
    }

    It 'keeps a lease a shell started after that shell exits, and renews it with no shell open' {
        $out = Invoke-Shell "Start-DhcpLease -InterfaceName '$iface' -Configure | ForEach-Object { '{0}|{1}|{2}' -f `$_.State, `$_.HeldBy, `$_.Address }"
        $LASTEXITCODE | Should -Be 0 -Because "$out"
        $state, $heldBy, $address = "$out".Split('|')
        $state | Should -Be 'Bound'
        $heldBy | Should -Be 'Agent'
        $script:address = $address
        Get-InterfaceAddress | Should -Be $address
        $first = Get-DhcpLease -InterfaceName $iface
        $first.HeldBy | Should -Be 'Agent'
        # No shell holds it now: the agent renews at T1 on its own.
        Wait-Until { (Get-DhcpLease -InterfaceName $iface).LeaseBegan -gt $first.LeaseBegan } 25 | Should -BeTrue -Because 'the agent renews at T1'
        (Get-DhcpLease -InterfaceName $iface).Address | Should -Be $address
        Get-KeaCount 'has been allocated' | Should -BeGreaterOrEqual 2
        # Every local user may read it and test it, not change it.
        $read = Invoke-Shell -AsNobody "(Get-DhcpLease -InterfaceName '$iface').Address.ToString(); Test-DhcpLease -InterfaceName '$iface'; try { Stop-DhcpLease -InterfaceName '$iface' -Release -Confirm:`$false } catch { `$_.CategoryInfo.Category }"
        @($read) | Should -Be @($address, 'True', 'PermissionDenied')
        (Get-DhcpLease -InterfaceName $iface).State | Should -Be 'Bound'
    }

    It 'answers PEND to a second client while a command is in progress, and TIMEOUT to a caller whose wait ends while it goes on' {
        $before = Get-DhcpLease -InterfaceName $iface
        Send-ServerSignal STOP
        try {
            $timedOut = Invoke-Shell "try { Update-DhcpLease -InterfaceName '$iface' -TimeoutSec 3 } catch { `$_.CategoryInfo.Category; `$_.FullyQualifiedErrorId }"
            @($timedOut)[0] | Should -Be 'OperationTimeout'
            @($timedOut)[1] | Should -BeLike 'DhcpNoAnswer,*'
            # The first caller has gone; its EXTEND goes on in the agent, and a second caller is told so.
            (Get-DhcpLease -InterfaceName $iface).Pending | Should -Be 'Extend'
            $pending = Invoke-Shell "try { Update-DhcpLease -InterfaceName '$iface' -TimeoutSec 2 } catch { `$_.CategoryInfo.Category; `$_.FullyQualifiedErrorId }"
            @($pending)[0] | Should -Be 'ResourceBusy'
            @($pending)[1] | Should -BeLike 'DhcpCommandPending,*'
        }
        finally {
            Send-ServerSignal CONT
        }
        Wait-Until { $null -eq (Get-DhcpLease -InterfaceName $iface).Pending } 15 | Should -BeTrue -Because 'the EXTEND finishes once the server answers'
        $after = Get-DhcpLease -InterfaceName $iface
        $after.State | Should -Be 'Bound'
        $after.Address | Should -Be $before.Address
        $after.ExpiresAt | Should -BeGreaterThan $before.ExpiresAt
    }

    It 'takes its lease up again after SIGKILL with INIT-REBOOT to the same address, and keeps it configured on SIGTERM' {
        $adverts = Get-KeaCount 'will be advertised'
        $adverts | Should -BeGreaterOrEqual 1 -Because 'the first lease began with a DISCOVER (the count below means something)'
        $allocations = Get-KeaCount 'has been allocated'
        $killed = $agents[-1]
        & kill -KILL $killed.Id
        $killed.WaitForExit(10000) | Should -BeTrue
        $null = Start-Agent
        Wait-Until { (Get-DhcpLease -InterfaceName $iface -ErrorAction SilentlyContinue).State -eq 'Bound' -and (Get-KeaCount 'has been allocated') -gt $allocations } 20 |
            Should -BeTrue -Because 'the new agent asks for its stored address again'
        $lease = Get-DhcpLease -InterfaceName $iface
        $lease.Address | Should -Be $address
        $lease.HeldBy | Should -Be 'Agent'
        Get-KeaCount 'will be advertised' | Should -Be $adverts -Because 'INIT-REBOOT sends a REQUEST, no DISCOVER'
        Get-InterfaceAddress | Should -Be $address

        $agent = $agents[-1]
        & kill -TERM $agent.Id
        $agent.WaitForExit(30000) | Should -BeTrue
        Get-InterfaceAddress | Should -Be $address -Because 'SIGTERM keeps leases configured (no RELEASE)'
        Get-KeaCount 'DHCP4_RELEASE' | Should -Be 0

        # The next agent adopts it again, and releasing it through the agent takes the address away.
        $null = Start-Agent
        Wait-Until { (Get-DhcpLease -InterfaceName $iface -ErrorAction SilentlyContinue).State -eq 'Bound' } 20 | Should -BeTrue
        Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        Wait-Until { @(Get-InterfaceAddress).Count -eq 0 } 10 | Should -BeTrue
    }

    It 'watches an agent-held lease with a job in the shell; Stop-Job drops it in the agent, and the next agent does not take it up' {
        $job = Start-DhcpLease -InterfaceName $iface -Configure -AsJob
        $job.PSJobTypeName | Should -Be 'IscsiDhcpSupervisor'
        Wait-Until { (Get-DhcpLease -InterfaceName $iface -ErrorAction SilentlyContinue).State -eq 'Bound' } 15 | Should -BeTrue
        $lease = Get-DhcpLease -InterfaceName $iface
        $lease.HeldBy | Should -Be 'Agent'
        Wait-Until { @(Get-InterfaceAddress) -contains $lease.Address.ToString() } 5 | Should -BeTrue -Because '-Configure puts the address on the interface'
        $job | Stop-Job
        Wait-Until { -not (Get-DhcpLease -InterfaceName $iface -ErrorAction SilentlyContinue) } 10 | Should -BeTrue
        Get-InterfaceAddress | Should -Contain $lease.Address.ToString() -Because 'DROP keeps the address configured (dhcpagent; Stop-DhcpLease)'
        Get-KeaCount 'DHCP4_RELEASE' | Should -Be 1 -Because 'Stop-Job drops; only the earlier Stop-DhcpLease -Release released'
        # A dropped lease is no longer the agent's: a restarted agent leaves it alone.
        $agent = $agents[-1]
        & kill -TERM $agent.Id
        $agent.WaitForExit(30000) | Should -BeTrue
        $null = Start-Agent
        Start-Sleep -Seconds 2
        Get-DhcpLease -InterfaceName $iface -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        & ip -4 addr flush dev $iface
    }
}
