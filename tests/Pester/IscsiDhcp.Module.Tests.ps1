# Pester 5 tests of the built module (out/IscsiDhcp), run by build.ps1 -Task Test in a
# fresh PowerShell process. They need PowerShell, so they never run on the Linux CI
# machines that have none; tests/IscsiDhcp.Tests checks the same metadata there.

BeforeAll {
    $root = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
    $manifestPath = Join-Path $root 'out/IscsiDhcp/IscsiDhcp.psd1'
    if (-not (Test-Path $manifestPath)) {
        throw "Build the module first: ./build.ps1 -Task Build ($manifestPath is missing)"
    }
    $manifest = Import-PowerShellDataFile $manifestPath
    $module = Import-Module $manifestPath -Force -PassThru
}

AfterAll {
    Remove-Module IscsiDhcp -ErrorAction SilentlyContinue
}

Describe 'IscsiDhcp module' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'imports with the manifest version' {
        $module.Version | Should -Be ([version]$manifest.ModuleVersion)
    }

    It 'exports exactly the cmdlets the manifest lists' {
        $exported = @($module.ExportedCmdlets.Keys | Sort-Object)
        $listed = @($manifest.CmdletsToExport | Sort-Object)
        $exported | Should -Be $listed
    }

    It 'loads assemblies stamped with the manifest version' {
        $assembly = [System.AppDomain]::CurrentDomain.GetAssemblies() |
            Where-Object { $_.GetName().Name -eq 'IscsiDhcp.Core' } | Select-Object -First 1
        $assembly | Should -Not -BeNullOrEmpty
        $assembly.GetName().Version.ToString(3) | Should -Be $manifest.ModuleVersion
    }

    It 'has a synopsis and an example for every cmdlet' {
        foreach ($name in $manifest.CmdletsToExport) {
            $help = Get-Help $name -Full
            $help.Synopsis | Should -Not -BeNullOrEmpty -Because "$name needs a synopsis"
            @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2 -Because "$name needs examples"
        }
    }

    It 'has the about topic' {
        Get-Help about_IscsiDhcp | Out-String | Should -Match 'IscsiDhcp'
    }
}

# The cmdlets against the lab's tgtd and dnsmasq. The lab needs Linux and root (network
# namespaces, tgtd); elsewhere these tests are skipped, and say so.
BeforeDiscovery {
    $labAvailable = $false
    if ($IsLinux) { $labAvailable = ((& id -u) -eq '0') }
}

Describe 'IscsiDhcp cmdlets against the lab' -Skip:(-not $labAvailable) {
    BeforeAll {
        $script:lab = $null
        if ($IsLinux) {
            $labScript = Join-Path $root 'tools/lab.sh'
            $script:lab = (& bash $labScript up --luns 2 --lun-size 8M --chap 'pester-user:pester-secret-1' --owner $PID) -join "`n" | ConvertFrom-Json
            $script:portal = $script:lab.portal.Split(':')[0]
            $script:port = [int]$script:lab.portal.Split(':')[1]
            $script:target = $script:lab.targetName
            $secret = ConvertTo-SecureString 'pester-secret-1' -AsPlainText -Force
            $script:chap = New-Object System.Management.Automation.PSCredential ('pester-user', $secret)
        }
    }

    AfterAll {
        Get-IscsiSession | Disconnect-IscsiTarget -Force -Confirm:$false -ErrorAction SilentlyContinue
        if ($script:lab) { & bash (Join-Path $root 'tools/lab.sh') down $script:lab.id | Out-Null }
    }

    It 'finds the lab target and connects to it through the pipeline' {
        $found = Find-IscsiTarget -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $chap
        $found.NodeAddress | Should -Contain $target
        $session = $found | Where-Object NodeAddress -eq $target |
            Connect-IscsiTarget -AuthenticationType OneWayChap -Credential $chap -NopIntervalSec 2 -NopTimeoutSec 2
        $session.State | Should -Be 'LoggedIn'
        $session.IsConnected | Should -BeTrue
        $job = Get-Job -Name "IscsiSession:$target"
        $job.PSJobTypeName | Should -Be 'IscsiDhcpSupervisor'
        $job.State | Should -Be 'Running'
    }

    It 'lists the LUNs and copies a file in and out with verification' {
        $luns = Get-IscsiSession -NodeAddress $target | Get-IscsiLun | Where-Object DeviceType -eq 'Disk'
        @($luns).Count | Should -Be 2
        $source = Join-Path ([IO.Path]::GetTempPath()) ("pester-{0}.bin" -f $PID)
        $back = "$source.back"
        $bytes = New-Object byte[] (1MB)
        (New-Object Random 7).NextBytes($bytes)
        [IO.File]::WriteAllBytes($source, $bytes)
        $in = $luns | Where-Object Lun -eq 1 | Copy-IscsiLun -Direction FileToLun -Path $source -Verify -PassThru -Confirm:$false
        $in.Verified | Should -BeTrue
        $out = Copy-IscsiLun -NodeAddress $target -Lun 1 -Direction LunToFile -Path $back -Length 1MB -PassThru -Confirm:$false
        $out.Sha256 | Should -Be $in.Sha256
        Remove-Item $source, $back
    }

    It 'opens a LUN as a stream and measures it' {
        $stream = Open-IscsiLun -NodeAddress $target -Lun 2
        try { $stream.Length | Should -Be 8MB } finally { $stream.Dispose() }
        $result = Measure-IscsiLun -NodeAddress $target -Lun 2 -DurationSec 1 -QueueDepth 4
        $result.Iops | Should -BeGreaterThan 0
        $result.Errors | Should -Be 0
    }

    It 'asks before connecting and changes nothing under -WhatIf' {
        Disconnect-IscsiTarget -NodeAddress $target -WhatIf
        (Get-IscsiSession -NodeAddress $target).State | Should -Be 'LoggedIn'
    }

    It 'reports a wrong CHAP secret as a SecurityError with a stable id' {
        Disconnect-IscsiTarget -NodeAddress $target -Confirm:$false
        $wrong = New-Object System.Management.Automation.PSCredential ('pester-user', (ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force))
        $failure = $null
        try {
            Connect-IscsiTarget -NodeAddress $target -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $wrong -ErrorAction Stop
        }
        catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'IscsiAuthenticationFailed,*'
        $failure.CategoryInfo.Category | Should -Be 'SecurityError'
        "$failure" | Should -Not -Match 'not-the-secret'
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

    It 'logs every session out when the module is removed' {
        $null = Connect-IscsiTarget -NodeAddress $target -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $chap
        Remove-Module IscsiDhcp
        Import-Module $manifestPath -Force
        @(Get-IscsiSession).Count | Should -Be 0
    }
}
