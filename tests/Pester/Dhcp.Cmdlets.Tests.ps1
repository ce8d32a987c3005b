# The DHCP cmdlets in pwsh against the lab's dnsmasq (Linux, root: tests/run.sh runs them
# so). The host's routes other than the lab interface's must be the same after each test.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    Import-Module (Get-BuiltManifestPath) -Force
    $script:lab = Start-TestLab -Arguments @('--luns', '1', '--lun-size', '1M', '--dhcp', 'dnsmasq')
}

AfterAll {
    Remove-Module IscsiDhcp -ErrorAction SilentlyContinue
    Stop-TestLab $script:lab
}

Describe 'DHCP cmdlets against dnsmasq' -Skip:(-not $IsLinux) {
    BeforeEach {
        $script:routesBefore = Get-HostRoute -ExcludeInterface $lab.dhcpClientInterface
    }

    AfterEach {
        Get-HostRoute -ExcludeInterface $lab.dhcpClientInterface | Should -Be $script:routesBefore -Because 'a DHCP test leaves the host routes as it found them'
    }

    It 'starts, reads, extends and releases a DHCP lease' {
        $iface = $lab.dhcpClientInterface
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
}
