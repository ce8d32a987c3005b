# The DHCP cmdlets in pwsh against the lab's dnsmasq and kea (Linux, root: tests/run.sh runs
# them so). Every cmdlet's happy path and main failure; after each test the host's routes other
# than the lab interfaces' are as they were, and nothing is left behind: no lease, no running
# supervisor job, no UDP 68 socket of this process, no address on the lab interfaces.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $script:manifest = Get-BuiltManifestPath
    Import-Module $script:manifest -Force
    $script:lab = Start-TestLab -Arguments @('--luns', '1', '--lun-size', '1M', '--dhcp', 'dnsmasq')
    $script:kea = Start-TestLab -Arguments @('--luns', '1', '--lun-size', '1M', '--dhcp', 'kea')
    # Another host holds .30 and dnsmasq reserves .30 for this lab's client: an address conflict.
    $script:held = Start-TestLab -Arguments @('--luns', '1', '--lun-size', '1M', '--dhcp', 'dnsmasq', '--conflict-host', '30')
    $script:iface = $lab.dhcpClientInterface
    $script:labInterfaces = @($lab.dhcpClientInterface, $kea.dhcpClientInterface, $held.dhcpClientInterface)

    # A veth pair of this test's own with nobody on the other end: a DHCP client there never hears back.
    $script:silent = 'pds{0}c' -f (Get-Random -Minimum 10000 -Maximum 99999)
    & ip link add $silent type veth peer name ($silent -replace 'c$', 'p')
    & ip link set ($silent -replace 'c$', 'p') up
    & ip link set $silent up

    # This process's UDP 68 sockets (the DHCP client port), as ss shows them.
    function script:Get-OwnDhcpSocket {
        @(& ss -H -ulpn 'sport = :68' | Where-Object { $_ -match "pid=$PID," })
    }
    function script:Get-InterfaceAddress([string] $Name) {
        @((& ip -4 -j addr show dev $Name | ConvertFrom-Json).addr_info | Where-Object local | ForEach-Object { "$($_.local)/$($_.prefixlen)" })
    }
    function script:Get-DefaultRoute {
        @(& ip -4 -j route show table main default | ConvertFrom-Json | ForEach-Object {
                '{0} dev {1} metric {2} proto {3}' -f $_.gateway, $_.dev, [int]$_.metric, $(if ($_.protocol) { $_.protocol } else { 'boot' })
            } | Sort-Object)
    }
    # The error a command ends with: terminating, or non-terminating made so by -ErrorAction Stop.
    function script:Get-ErrorOf([scriptblock] $Script) {
        try { $null = & $Script; $null } catch { $_ }
    }
    # Sends a signal to the processes of a lab's DHCP namespace (its server), and only to them.
    function script:Send-LabServerSignal($Lab, [ValidateSet('STOP', 'CONT')] [string] $Signal) {
        if (-not $Lab.dhcpNetns) { throw 'the lab has no DHCP namespace' }
        [int[]] $ids = @(& ip netns pids $Lab.dhcpNetns | Where-Object { $_ -match '^\d+$' } | ForEach-Object { [int]$_ })
        if ($ids.Count -eq 0 -or ($ids | Where-Object { $_ -le 1 })) { throw "no server process found in $($Lab.dhcpNetns)" }
        foreach ($id in $ids) { & /usr/bin/kill "-$Signal" "$id" }
    }
}

AfterAll {
    Get-DhcpLease | Stop-DhcpLease -Release -Confirm:$false -ErrorAction SilentlyContinue
    Remove-Module IscsiDhcp -ErrorAction SilentlyContinue
    & ip link del $script:silent 2>$null
    Stop-TestLab $script:lab
    Stop-TestLab $script:kea
    Stop-TestLab $script:held
}

Describe 'DHCP cmdlets' -Skip:(-not $IsLinux) {
    BeforeEach {
        $script:routesBefore = Get-HostRoute -ExcludeInterface ($labInterfaces + $silent)
    }

    AfterEach {
        # What the test left, read first; then cleaned up, so one failure does not spill into the next test.
        $routes = Get-HostRoute -ExcludeInterface ($labInterfaces + $silent)
        $leases = @(Get-DhcpLease)
        $running = @(Get-Job | Where-Object { $_.PSJobTypeName -eq 'IscsiDhcpSupervisor' -and $_.State -eq 'Running' } | ForEach-Object Name)
        $sockets = Get-OwnDhcpSocket
        $addresses = @(foreach ($name in $labInterfaces) { Get-InterfaceAddress $name })
        $leases | Stop-DhcpLease -Release -Confirm:$false -ErrorAction SilentlyContinue
        Get-Job | Where-Object PSJobTypeName -eq 'IscsiDhcpSupervisor' | Remove-Job -Force
        foreach ($name in $labInterfaces) { & ip -4 addr flush dev $name }

        $routes | Should -Be $script:routesBefore -Because 'a DHCP test leaves the host routes as it found them'
        $leases | Should -BeNullOrEmpty -Because 'every test ends its leases'
        $running | Should -BeNullOrEmpty -Because 'no supervisor job is left running'
        $sockets | Should -BeNullOrEmpty -Because 'no UDP 68 socket is left open'
        $addresses | Should -BeNullOrEmpty -Because 'no address is left on the lab interfaces'
    }

    Context 'Start-DhcpLease' {
        It 'starts, reads, extends and releases a configured DHCP lease' {
            $lease = Start-DhcpLease -InterfaceName $iface -Configure
            $lease.State | Should -Be 'Bound'
            (Get-DhcpLease -InterfaceName $iface).Address | Should -Be $lease.Address
            (Get-DhcpOption -InterfaceName $iface -Field yiaddr).Text | Should -Be "$($lease.Address)"
            Test-DhcpLease -InterfaceName $iface | Should -BeTrue
            (Get-DhcpLease $iface | Update-DhcpLease).State | Should -Be 'Bound'
            (Get-Job -Name "DhcpLease:$iface").PSJobTypeName | Should -Be 'IscsiDhcpSupervisor'
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
            Test-DhcpLease -InterfaceName $iface | Should -BeFalse
        }

        It 'gives its job the Command "Start-DhcpLease" and the interface name, never the line typed (a -HostName given inline stays out)' {
            $hostName = 'inline-host-{0}' -f (Get-Random -Minimum 1000 -Maximum 9999)
            $null = Start-DhcpLease -InterfaceName $iface -HostName $hostName
            $job = Get-Job -Name "DhcpLease:$iface"
            $job.Command | Should -BeExactly "Start-DhcpLease $iface"
            $job.Command | Should -Not -BeLike "*$hostName*"
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false

            $job = Start-DhcpLease $silent -HostName $hostName -AsJob
            $job.Command | Should -BeExactly "Start-DhcpLease $silent"
            $job | Stop-Job
        }

        It 'sends its first DISCOVER at once by default, after a random delay of up to -StartDelayMaxSec when given' {
            $said = @(Start-DhcpLease -InterfaceName $iface -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $said | Should -Contain "${iface}: the first DISCOVER goes out at once"
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
            $said = @(Start-DhcpLease -InterfaceName $iface -StartDelayMaxSec 2 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $said | Should -Contain "${iface}: the first DISCOVER goes out after a random delay of up to 2 s"
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        }

        It 'obtains a lease without -Configure and leaves the interface alone' {
            $lease = Start-DhcpLease -InterfaceName $iface
            $lease | Should -BeOfType ([IscsiDhcp.Dhcp.Agent.DhcpLeaseStatus])
            $lease.State | Should -Be 'Bound'
            $lease.Configured | Should -BeFalse
            "$($lease.Address)" | Should -Match ('^' + [regex]::Escape(($lab.dhcpServerAddress -replace '\.1$', '.')))
            Get-InterfaceAddress $iface | Should -BeNullOrEmpty
            (Get-Job -Name "DhcpLease:$iface").State | Should -Be 'Running'
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        }

        It 'with -Configure adds its default route beside the host''s, with a metric of its own, and -Release removes only it' {
            $before = Get-DefaultRoute
            $metric = 200 + [int](Get-Content "/sys/class/net/$iface/ifindex")
            $ours = '{0} dev {1} metric {2} proto dhcp' -f $lab.dhcpServerAddress, $iface, $metric
            $lease = Start-DhcpLease -InterfaceName $iface -Configure
            $lease.Configured | Should -BeTrue
            Get-InterfaceAddress $iface | Should -Be "$($lease.Address)/24"
            $bound = Get-DefaultRoute
            $bound | Should -Contain $ours
            foreach ($route in $before) { $bound | Should -Contain $route -Because 'the routes that were there stay while the lease is bound' }
            @($bound).Count | Should -Be (@($before).Count + 1)
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
            Get-DefaultRoute | Should -Be $before
        }

        It 'runs -EventAction for each of the lease''s events, with the event as its first argument' {
            $log = Join-Path ([IO.Path]::GetTempPath()) ("pester-eventaction-{0}.log" -f $PID)
            try {
                $action = [scriptblock]::Create("param(`$e) Add-Content -Path '$log' -Value `$e.Kind")
                $lease = Start-DhcpLease -InterfaceName $iface -EventAction $action
                $lease.State | Should -Be 'Bound'
                Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
                $deadline = [DateTime]::UtcNow.AddSeconds(10)
                while (-not ((Test-Path $log) -and ((Get-Content $log) -contains 'Released')) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                $lines = @(Get-Content $log)
                $lines[0..1] | Should -Be @('Probing', 'Bound') -Because 'the address is probed (RFC 5227) before it is bound'
                $lines[-1] | Should -Be 'Released'
                @($lines | Where-Object { $_ -eq 'Bound' }).Count | Should -Be 1 -Because 'each event runs the action once'
            }
            finally {
                Remove-Item $log -ErrorAction SilentlyContinue
            }
        }

        It 'refuses an interface that does not exist, naming -InterfaceName' {
            $e = Get-ErrorOf { Start-DhcpLease -InterfaceName nosuch0 -TimeoutSec 2 }
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpInterfaceNotFound,IscsiDhcp.Commands.StartDhcpLeaseCommand'
            $e.Exception.Message | Should -Match '-InterfaceName'
            $e.Exception.Message | Should -Not -Match '\(Parameter '
            Get-Job -Name 'DhcpLease:nosuch0' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'refuses the loopback interface' {
            $e = Get-ErrorOf { Start-DhcpLease -InterfaceName lo -TimeoutSec 2 }
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpInterfaceUnsuitable,IscsiDhcp.Commands.StartDhcpLeaseCommand'
            $e.Exception.Message | Should -Match '-InterfaceName'
            Get-Job -Name 'DhcpLease:lo' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'refuses -RequestedAddress <Address>' -TestCases @(
            @{ Address = '::1' }, @{ Address = '127.0.0.1' }, @{ Address = '224.0.0.1' },
            @{ Address = '255.255.255.255' }, @{ Address = '0.0.0.0' }
        ) {
            $e = Get-ErrorOf { Start-DhcpLease -InterfaceName $iface -RequestedAddress $Address -TimeoutSec 2 }
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpInvalidRequestedAddress,IscsiDhcp.Commands.StartDhcpLeaseCommand'
            $e.Exception.Message | Should -Match '-RequestedAddress'
            Get-Job -Name "DhcpLease:$iface" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'takes -RequestedAddress when the server can give it' {
            $wanted = $lab.dhcpServerAddress -replace '\.1$', '.42'
            $lease = Start-DhcpLease -InterfaceName $iface -RequestedAddress $wanted
            "$($lease.Address)" | Should -Be $wanted
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        }

        It 'times out when no server answers, keeps trying in its job, and Stop-DhcpLease ends both' {
            $e = Get-ErrorOf { Start-DhcpLease -InterfaceName $silent -TimeoutSec 1 }
            $e.CategoryInfo.Category | Should -Be 'OperationTimeout'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpNoAnswer,IscsiDhcp.Commands.StartDhcpLeaseCommand'
            (Get-DhcpLease -InterfaceName $silent).State | Should -Be 'Selecting'
            (Get-Job -Name "DhcpLease:$silent").State | Should -Be 'Running'
            Stop-DhcpLease -InterfaceName $silent -Confirm:$false
            Get-DhcpLease -InterfaceName $silent -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $job = Get-Job -Name "DhcpLease:$silent"
            $deadline = (Get-Date).AddSeconds(5)
            while ($job.State -eq 'Running' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $job.State | Should -Be 'Completed'
        }

        It 'is cancelled by Ctrl+C (StopProcessing): the lease is dropped, its job Stopped, UDP 68 closed' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$manifest'; Start-DhcpLease -InterfaceName '$silent' -TimeoutSec 60")
                $async = $ps.BeginInvoke()
                $deadline = (Get-Date).AddSeconds(20)
                while (-not ((Get-DhcpLease -InterfaceName $silent -ErrorAction SilentlyContinue).State -eq 'Selecting')) {
                    if ((Get-Date) -gt $deadline) { throw 'the lease never reached Selecting' }
                    Start-Sleep -Milliseconds 100
                }
                Get-OwnDhcpSocket | Should -Not -BeNullOrEmpty
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
                $async.IsCompleted | Should -BeTrue
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'

                Get-DhcpLease -InterfaceName $silent -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
                Get-OwnDhcpSocket | Should -BeNullOrEmpty
                $ps.Commands.Clear()
                $jobs = @($ps.AddScript("Get-Job -Name 'DhcpLease:$silent'").Invoke())
                foreach ($job in $jobs) { "$($job.State)" | Should -Be 'Stopped' }
            }
            finally {
                $ps.Dispose()
            }
        }

        It 'is ended by Stop-Job with -AsJob: the lease is dropped and UDP 68 closed' {
            $job = Start-DhcpLease -InterfaceName $silent -AsJob
            $job.PSJobTypeName | Should -Be 'IscsiDhcpSupervisor'
            $deadline = (Get-Date).AddSeconds(20)
            while (-not ((Get-DhcpLease -InterfaceName $silent -ErrorAction SilentlyContinue).State -eq 'Selecting')) {
                if ((Get-Date) -gt $deadline) { throw 'the lease never reached Selecting' }
                Start-Sleep -Milliseconds 100
            }
            $job | Stop-Job
            $job.State | Should -Be 'Stopped'
            Get-DhcpLease -InterfaceName $silent -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Get-OwnDhcpSocket | Should -BeNullOrEmpty
        }
    }

    Context 'Address conflict detection (RFC 5227)' {
        # In this order: after the decline, dnsmasq keeps the reserved address back for ten minutes.
        It 'uses an address another host holds, unprobed, only with -NoConflictDetection' {
            $lease = Start-DhcpLease $held.dhcpClientInterface -NoConflictDetection
            "$($lease.Address)" | Should -Be $held.conflictAddress
            $lease.ConflictDetection | Should -BeFalse
            $lease.ProbesSent | Should -Be 0
            $lease | Stop-DhcpLease -Release -Confirm:$false
        }

        It 'declines an address another host holds, names that host, and binds another' {
            $job = Start-DhcpLease $held.dhcpClientInterface -Configure -AsJob
            $deadline = [DateTime]::UtcNow.AddSeconds(45)
            do { Start-Sleep -Milliseconds 500; $lease = Get-DhcpLease $held.dhcpClientInterface -ErrorAction SilentlyContinue }
            until ($lease.State -eq 'Bound' -or [DateTime]::UtcNow -gt $deadline)

            $lease.State | Should -Be 'Bound'
            "$($lease.Address)" | Should -Not -Be $held.conflictAddress
            $lease.ConflictDetection | Should -BeTrue
            $lease.Declines | Should -Be 1
            "$($lease.LastConflict.Address)" | Should -Be $held.conflictAddress
            $lease.LastConflict.HardwareAddress | Should -Be $held.conflictHostMac
            Get-InterfaceAddress $held.dhcpClientInterface | Should -Be "$($lease.Address)/24"

            $events = @(Receive-Job $job -Keep -ErrorVariable jobErrors -ErrorAction SilentlyContinue)
            @($events.Kind) | Should -Be @('Probing', 'Declined', 'Probing', 'Bound')
            $inUse = @($jobErrors | Where-Object { $_.FullyQualifiedErrorId -like 'DhcpAddressInUse*' })
            $inUse.Count | Should -Be 1
            "$inUse" | Should -Match ([regex]::Escape("$($held.conflictAddress) is in use by $($held.conflictHostMac)"))
            "$($inUse[0].CategoryInfo.Category)" | Should -Be 'ResourceExists'
            Get-Content $held.dhcpServerLog -Raw | Should -Match "DHCPDECLINE\(\S+\) $([regex]::Escape($held.conflictAddress))"
            # The event view names the conflict at 120 columns, on one line.
            $view = $events | Format-Table | Out-String -Width 120
            $view | Should -Match ([regex]::Escape("Declined $($held.conflictAddress) in use by $($held.conflictHostMac)"))
            Stop-DhcpLease $held.dhcpClientInterface -Release -Confirm:$false
        }
    }

    Context 'Update-DhcpLease' {
        It 'renews a lease started without -Configure against <Server> and writes it' -TestCases @(
            @{ Server = 'dnsmasq' }, @{ Server = 'kea' }
        ) {
            $name = if ($Server -eq 'kea') { $kea.dhcpClientInterface } else { $iface }
            $lease = Start-DhcpLease -InterfaceName $name
            $lease.Configured | Should -BeFalse
            Start-Sleep -Seconds 1   # the renewal's lease must be seen to run from a later time
            $renewed = Update-DhcpLease -InterfaceName $name -TimeoutSec 10 -ErrorAction Stop
            $renewed | Should -BeOfType ([IscsiDhcp.Dhcp.Agent.DhcpLeaseStatus])
            $renewed.State | Should -Be 'Bound'
            $renewed.Address | Should -Be $lease.Address
            $renewed.ExpiresAt | Should -BeGreaterThan $lease.ExpiresAt
            $renewed.Configured | Should -BeFalse
            Get-InterfaceAddress $name | Should -BeNullOrEmpty
            Stop-DhcpLease -InterfaceName $name -Release -Confirm:$false
        }

        It 'reports DhcpNoAnswer when the server is gone and the lease goes on' {
            $lease = Start-DhcpLease -InterfaceName $iface
            Send-LabServerSignal $lab STOP
            try {
                $e = Get-ErrorOf { Update-DhcpLease -InterfaceName $iface -TimeoutSec 2 -ErrorAction Stop }
                $e.CategoryInfo.Category | Should -Be 'OperationTimeout'
                $e.FullyQualifiedErrorId | Should -Be 'DhcpNoAnswer,IscsiDhcp.Commands.UpdateDhcpLeaseCommand'
                (Get-DhcpLease -InterfaceName $iface).Address | Should -Be $lease.Address
            }
            finally {
                Send-LabServerSignal $lab CONT
            }
            Stop-DhcpLease -InterfaceName $iface -Confirm:$false
        }

        It 'reports a name without a lease as not found, naming -InterfaceName' {
            $e = Get-ErrorOf { Update-DhcpLease -InterfaceName nosuch0 -ErrorAction Stop }
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpLeaseNotFound,IscsiDhcp.Commands.UpdateDhcpLeaseCommand'
            $e.Exception.Message | Should -Match '-InterfaceName'
        }
    }

    Context 'Get-DhcpLease, Test-DhcpLease and Stop-DhcpLease' {
        It 'Get-DhcpLease finds by name and wildcard; a name without a lease is an error, a wildcard without one is not' {
            $lease = Start-DhcpLease -InterfaceName $iface
            (Get-DhcpLease -InterfaceName ($iface.Substring(0, $iface.Length - 1) + '*')).Address | Should -Be $lease.Address
            @(Get-DhcpLease) | Where-Object InterfaceName -eq $iface | Should -HaveCount 1
            $none = @(Get-DhcpLease -InterfaceName 'nosuch*' -ErrorVariable errors)
            $none | Should -BeNullOrEmpty
            $errors | Should -BeNullOrEmpty
            $e = Get-ErrorOf { Get-DhcpLease -InterfaceName nosuch0 -ErrorAction Stop }
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpLeaseNotFound,IscsiDhcp.Commands.GetDhcpLeaseCommand'
            $e.Exception.Message | Should -Match '-InterfaceName'
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        }

        It 'Test-DhcpLease is true while bound and false (without an error) where there is no lease' {
            $null = Start-DhcpLease -InterfaceName $iface
            Test-DhcpLease -InterfaceName $iface | Should -BeTrue
            Test-DhcpLease -InterfaceName nosuch0 -ErrorVariable errors | Should -BeFalse
            $errors | Should -BeNullOrEmpty
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
            Test-DhcpLease -InterfaceName $iface | Should -BeFalse
        }

        It 'Stop-DhcpLease without -Release drops the lease: its job completes and the socket closes' {
            $null = Start-DhcpLease -InterfaceName $iface
            Stop-DhcpLease -InterfaceName $iface -Confirm:$false
            Get-DhcpLease -InterfaceName $iface -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $job = Get-Job -Name "DhcpLease:$iface"
            $deadline = (Get-Date).AddSeconds(5)
            while ($job.State -eq 'Running' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $job.State | Should -Be 'Completed'
            # Kept on disk: the next start reboots into the same lease; then it goes back for good.
            $again = Start-DhcpLease -InterfaceName $iface
            $again.State | Should -Be 'Bound'
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        }

        It 'Stop-DhcpLease reports a name without a lease and refuses to guess without one' {
            $e = Get-ErrorOf { Stop-DhcpLease -InterfaceName nosuch0 -Confirm:$false -ErrorAction Stop }
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpLeaseNotFound,IscsiDhcp.Commands.StopDhcpLeaseCommand'
            $e = Get-ErrorOf { Stop-DhcpLease -Confirm:$false }
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpNothingNamed,IscsiDhcp.Commands.StopDhcpLeaseCommand'
            $e.Exception.Message | Should -Match '-InterfaceName'
        }
    }

    Context 'Get-DhcpOption' {
        It 'reads options by code and name, and header fields' {
            $lease = Start-DhcpLease -InterfaceName $iface
            $router = Get-DhcpOption -InterfaceName $iface -Code 3
            $router | Should -BeOfType ([IscsiDhcp.Operations.Leases.DhcpOption])
            $router.Name | Should -Be 'Router'
            $router.Text | Should -Be $lab.dhcpServerAddress
            (Get-DhcpOption -InterfaceName $iface -Name SubnetMask).Text | Should -Be '255.255.255.0'
            # RFC 2132's names and the common spellings name the same options.
            foreach ($name in 'IpAddressLeaseTime', 'IP Address Lease Time', 'dhcp-lease-time') {
                $time = Get-DhcpOption -InterfaceName $iface -Name $name
                $time.Code | Should -Be 51
                $time.Value | Should -Be 120
            }
            (Get-DhcpOption -InterfaceName $iface -Name routers).Text | Should -Be $lab.dhcpServerAddress
            (Get-DhcpLease $iface | Get-DhcpOption -Field yiaddr).Text | Should -Be "$($lease.Address)"
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        }

        It 'refuses an unknown -Name, naming the parameter' {
            $null = Start-DhcpLease -InterfaceName $iface
            $e = Get-ErrorOf { Get-DhcpOption -InterfaceName $iface -Name NoSuchOption }
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpUnknownOptionName,IscsiDhcp.Commands.GetDhcpOptionCommand'
            $e.Exception.Message | Should -Match '-Name'
            $e.Exception.Message | Should -Not -Match '\(Parameter '
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        }

        It 'reports an option the server did not send, and a name without a lease, as not found' {
            $null = Start-DhcpLease -InterfaceName $iface
            $e = Get-ErrorOf { Get-DhcpOption -InterfaceName $iface -Code 222 -ErrorAction Stop }
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpOptionNotFound,IscsiDhcp.Commands.GetDhcpOptionCommand'
            $e = Get-ErrorOf { Get-DhcpOption -InterfaceName nosuch0 -Code 1 -ErrorAction Stop }
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e.FullyQualifiedErrorId | Should -Be 'DhcpLeaseNotFound,IscsiDhcp.Commands.GetDhcpOptionCommand'
            Stop-DhcpLease -InterfaceName $iface -Release -Confirm:$false
        }

        It 'leaves -Code and -Field out of range to PowerShell''s validation' {
            $e = Get-ErrorOf { Get-DhcpOption -InterfaceName $iface -Code 300 }
            $e.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,IscsiDhcp.Commands.GetDhcpOptionCommand'
            $e = Get-ErrorOf { Get-DhcpOption -InterfaceName $iface -Field nosuch }
            $e.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,IscsiDhcp.Commands.GetDhcpOptionCommand'
        }
    }
}
