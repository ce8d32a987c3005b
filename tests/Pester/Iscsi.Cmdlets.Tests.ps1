# The iSCSI cmdlets in pwsh against the lab's tgtd (Linux, root: tests/run.sh runs them so).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $manifestPath = Get-BuiltManifestPath
    Import-Module $manifestPath -Force
    $script:lab = Start-TestLab -Arguments @('--luns', '2', '--lun-size', '8M', '--chap', 'pester-user:pester-secret-1', '--dhcp', 'none')
    $script:portal = $lab.portal.Split(':')[0]
    $script:port = [int]$lab.portal.Split(':')[1]
    $script:target = $lab.targetName
    $script:chap = New-TestCredential 'pester-user' 'pester-secret-1'
}

AfterAll {
    Get-IscsiSession | Disconnect-IscsiTarget -Force -Confirm:$false -ErrorAction SilentlyContinue
    Remove-Module IscsiDhcp -ErrorAction SilentlyContinue
    Stop-TestLab $script:lab
}

Describe 'iSCSI cmdlets against tgtd' -Skip:(-not $IsLinux) {
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

    It 'logs every session out when the module is removed' {
        $null = Connect-IscsiTarget -NodeAddress $target -TargetPortalAddress $portal -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $chap
        Remove-Module IscsiDhcp
        Import-Module $manifestPath -Force
        @(Get-IscsiSession).Count | Should -Be 0
    }
}
