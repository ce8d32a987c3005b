# What a user sees of the module at the prompt, in pwsh against the lab (Linux, root:
# tests/run.sh runs it so): tab completion, the format views at 120 columns (local and
# deserialized, as Start-Job and remoting return them) and the help.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $script:manifestPath = Get-BuiltManifestPath
    Import-Module $manifestPath -Force
    if (Get-Variable PSStyle -ErrorAction SilentlyContinue) { $PSStyle.OutputRendering = 'PlainText' }
    $script:lab = Start-TestLab -Arguments @('--luns', '2', '--lun-size', '64M', '--dhcp', 'dnsmasq')
    $script:portal = $lab.portal.Split(':')[0]
    $script:port = [int]$lab.portal.Split(':')[1]
    $script:target = $lab.targetName
    $script:iface = $lab.dhcpClientInterface

    # The lab's session in this process, connected when it is not yet.
    function Initialize-Session {
        if (-not @(Get-IscsiSession | Where-Object TargetNodeAddress -eq $target)) {
            $null = Connect-IscsiTarget -NodeAddress $target -TargetPortalAddress $portal -TargetPortalPortNumber $port
        }
    }

    # What Tab offers after the given text (the cursor at its end).
    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText)
    }

    # The text a view gives at 120 columns (what a 120-column console shows).
    function Get-Rendering($InputObject, [string] $As = 'Table') {
        if ($As -eq 'List') { $InputObject | Format-List | Out-String -Width 120 } else { $InputObject | Format-Table | Out-String -Width 120 }
    }

    # A table's column names: the words of the line above the dashes.
    function Get-TableHeader([string] $Text) {
        $lines = $Text -split "`r?`n"
        for ($i = 1; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -match '^-+( +-+)*\s*$') { return @($lines[$i - 1] -split '\s+' | Where-Object { $_ }) }
        }
        @()
    }

    # A list's labels: the words before ' : '.
    function Get-ListLabel([string] $Text) {
        @($Text -split "`r?`n" | Where-Object { $_ -match '^(\S+)\s*: ' } | ForEach-Object { $Matches[1] } | Select-Object -Unique)
    }

    # What Start-Job and remoting hand back: the object serialized and read back.
    function ConvertTo-Deserialized($InputObject) {
        [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($InputObject))
    }

    # A lease as a server's ACK makes it, for lease events with a before and an after.
    function New-TestLease([string] $Address, [uint32] $Seconds, [DateTimeOffset] $Now) {
        $ack = [IscsiDhcp.Dhcp.Wire.DhcpMessage]::new()
        $ack.Op = [IscsiDhcp.Dhcp.Wire.DhcpMessage]::BootReply
        $ack.YourAddress = [ipaddress] $Address
        $lease = [byte[]] @((($Seconds -shr 24) -band 255), (($Seconds -shr 16) -band 255), (($Seconds -shr 8) -band 255), ($Seconds -band 255))
        $null = $ack.Set([IscsiDhcp.Dhcp.Wire.DhcpOptionCode]::MessageType, [byte[]] @(5)).
            Set([IscsiDhcp.Dhcp.Wire.DhcpOptionCode]::ServerIdentifier, [byte[]] @(198, 18, 200, 254)).
            Set([IscsiDhcp.Dhcp.Wire.DhcpOptionCode]::SubnetMask, [byte[]] @(255, 255, 255, 0)).
            Set([IscsiDhcp.Dhcp.Wire.DhcpOptionCode]::LeaseTime, $lease)
        [IscsiDhcp.Dhcp.Client.DhcpLease]::FromAck($ack, $Now, $null)
    }
}

AfterAll {
    Get-IscsiSession | Disconnect-IscsiTarget -Force -Confirm:$false -ErrorAction SilentlyContinue
    Get-DhcpLease | Stop-DhcpLease -Release -Confirm:$false -ErrorAction SilentlyContinue
    Remove-Module IscsiDhcp -ErrorAction SilentlyContinue
    Stop-TestLab $script:lab
}

Describe 'Tab completion' -Skip:(-not $IsLinux) {
    It 'offers Connect-IscsiTarget the targets Find-IscsiTarget discovered, and no connected one' {
        Get-Completion 'Connect-IscsiTarget -NodeAddress ' | Should -Not -Contain $target
        $null = Find-IscsiTarget -TargetPortalAddress $portal -TargetPortalPortNumber $port
        Get-Completion 'Connect-IscsiTarget -NodeAddress ' | Should -Contain $target
        Get-Completion ('Connect-IscsiTarget -NodeAddress ' + $target.Substring(0, 12)) | Should -Contain $target
        Get-Completion "Connect-IscsiTarget -TargetPortalAddress 192.0.2.99 -NodeAddress " | Should -Not -Contain $target
        Get-Completion "Connect-IscsiTarget -TargetPortalAddress $portal -NodeAddress " | Should -Contain $target

        Initialize-Session
        Get-Completion 'Connect-IscsiTarget -NodeAddress ' | Should -Not -Contain $target -Because 'Connect refuses a target it is connected to'
    }

    It 'offers the connected targets to <_> -NodeAddress' -ForEach @('Get-IscsiSession', 'Disconnect-IscsiTarget', 'Get-IscsiLun', 'Open-IscsiLun', 'Copy-IscsiLun', 'Measure-IscsiLun') {
        Initialize-Session
        Get-Completion "$_ -NodeAddress " | Should -Be @($target)
        Get-Completion "$_ -NodeAddress nosuch" | Should -BeNullOrEmpty
    }

    It 'offers the session identifiers to <_> -SessionIdentifier' -ForEach @('Get-IscsiSession', 'Disconnect-IscsiTarget', 'Get-IscsiLun', 'Open-IscsiLun', 'Copy-IscsiLun', 'Measure-IscsiLun') {
        Initialize-Session
        $sid = (Get-IscsiSession -NodeAddress $target).SessionIdentifier
        Get-Completion "$_ -SessionIdentifier " | Should -Be @($sid)
        Get-Completion ("$_ -SessionIdentifier " + $sid.Substring(0, 4)) | Should -Be @($sid)
    }

    It 'offers Get-DhcpOption -Name the option names of the registry' {
        $all = Get-Completion 'Get-DhcpOption -Name '
        $all | Should -Contain 'Router'
        $all | Should -Contain 'DomainNameServer'
        $all | Should -Contain 'ClasslessStaticRoute'
        $all | Should -Contain 'IpAddressLeaseTime' -Because 'RFC 2132 names are accepted, so they are offered'
        $all | Should -Not -Contain 'Pad'
        $all | Should -Not -Contain 'End'
        foreach ($name in $all) { [IscsiDhcp.Dhcp.Wire.DhcpOptionRegistry]::CodeOf($name) | Should -Not -BeNullOrEmpty -Because "$name is offered" }
        $some = Get-Completion "Get-DhcpOption -InterfaceName $iface -Name rou"
        $some | Should -Contain 'Router'
        $some | ForEach-Object { $_ | Should -BeLike 'rou*' }
    }

    It 'offers the lease cmdlets only interfaces with a lease; Start-DhcpLease every interface' {
        foreach ($command in 'Get-DhcpLease', 'Stop-DhcpLease', 'Update-DhcpLease', 'Test-DhcpLease', 'Get-DhcpOption') {
            Get-Completion "$command -InterfaceName " | Should -BeNullOrEmpty -Because "$command has no lease to name yet"
        }
        Get-Completion 'Start-DhcpLease -InterfaceName ' | Should -Contain $iface
        $null = Start-DhcpLease -InterfaceName $iface
        foreach ($command in 'Get-DhcpLease', 'Stop-DhcpLease', 'Update-DhcpLease', 'Test-DhcpLease', 'Get-DhcpOption') {
            Get-Completion "$command -InterfaceName " | Should -Be @($iface) -Because "$iface is the one interface with a lease"
        }
        Get-Completion 'Start-DhcpLease -InterfaceName ' | Should -Contain $iface -Because 'a lease can start on any interface'
    }

    It 'answers at once and never throws, whatever was typed' {
        $lines = @(
            "Get-IscsiSession -NodeAddress '[", 'Get-IscsiSession -NodeAddress "`', 'Get-IscsiLun -SessionIdentifier [z-a]',
            "Connect-IscsiTarget -NodeAddress '", 'Get-DhcpOption -Name [', 'Get-DhcpLease -InterfaceName `', 'Start-DhcpLease -InterfaceName ['
        )
        foreach ($line in $lines) {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            { $null = Get-Completion $line } | Should -Not -Throw
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2 -Because "completing '$line' must not keep the user waiting"
        }
    }
}

BeforeDiscovery {
    # Every view the format file defines: the type it shows and how.
    $viewCases = @(
        @{ Type = 'IscsiDhcp.Iscsi.Discovery.IscsiTarget'; As = 'Table' }
        @{ Type = 'IscsiDhcp.Iscsi.Supervisor.IscsiSessionStatus'; As = 'Table' }
        @{ Type = 'IscsiDhcp.Iscsi.Supervisor.IscsiSessionStatus'; As = 'List' }
        @{ Type = 'IscsiDhcp.Operations.Sessions.IscsiLun'; As = 'Table' }
        @{ Type = 'IscsiDhcp.Iscsi.Supervisor.IscsiSessionStateChange'; As = 'Table' }
        @{ Type = 'IscsiDhcp.Operations.Sessions.IscsiMeasureResult'; As = 'Table' }
        @{ Type = 'IscsiDhcp.Operations.Sessions.IscsiCopyResult'; As = 'Table' }
        @{ Type = 'IscsiDhcp.Operations.Sessions.IscsiCopyResult'; As = 'List' }
        @{ Type = 'IscsiDhcp.Dhcp.Agent.DhcpLeaseStatus'; As = 'Table' }
        @{ Type = 'IscsiDhcp.Dhcp.Agent.DhcpLeaseStatus'; As = 'List' }
        @{ Type = 'IscsiDhcp.Operations.Leases.DhcpOption'; As = 'Table' }
        @{ Type = 'IscsiDhcp.Dhcp.Client.DhcpLeaseEventArgs'; As = 'Table' }
        @{ Type = 'IscsiDhcp.Operations.Sessions.IscsiTargetPortal'; As = 'Table' }
    )
}

Describe 'Views at 120 columns' -Skip:(-not $IsLinux) {
    BeforeAll {
        Initialize-Session
        if (-not @(Get-DhcpLease | Where-Object InterfaceName -eq $iface)) { $null = Start-DhcpLease -InterfaceName $iface }
        $file = Join-Path ([IO.Path]::GetTempPath()) ("surface-{0}.bin" -f $PID)
        $now = [DateTimeOffset]::new(2026, 11, 21, 12, 0, 0, [TimeSpan]::Zero)
        $before = New-TestLease '198.18.200.10' 3600 $now
        $after = New-TestLease '198.18.200.10' 86400 $now.AddMinutes(30)
        # One object of every type a view selects, as the cmdlets write them.
        $script:samples = [ordered]@{
            'IscsiDhcp.Iscsi.Discovery.IscsiTarget'            = @(Find-IscsiTarget -TargetPortalAddress $portal -TargetPortalPortNumber $port)
            'IscsiDhcp.Iscsi.Supervisor.IscsiSessionStatus'          = @(Get-IscsiSession -NodeAddress $target)
            'IscsiDhcp.Operations.Sessions.IscsiLun'              = @(Get-IscsiLun -NodeAddress $target)
            'IscsiDhcp.Iscsi.Supervisor.IscsiSessionStateChange' = @(Receive-Job -Name "IscsiSession:$target" -Keep)
            'IscsiDhcp.Operations.Sessions.IscsiMeasureResult'    = @(Measure-IscsiLun -NodeAddress $target -Lun 1 -DurationSec 1 -QueueDepth 2)
            'IscsiDhcp.Operations.Sessions.IscsiCopyResult'       = @(Copy-IscsiLun -NodeAddress $target -Lun 1 -Direction LunToFile -Path $file -Length 1MB -PassThru -Confirm:$false)
            'IscsiDhcp.Dhcp.Agent.DhcpLeaseStatus'             = @(Get-DhcpLease -InterfaceName $iface)
            'IscsiDhcp.Operations.Leases.DhcpOption'             = @(Get-DhcpOption -InterfaceName $iface -Code 3; Get-DhcpOption -InterfaceName $iface -Field yiaddr)
            'IscsiDhcp.Dhcp.Client.DhcpLeaseEventArgs'         = @(
                @(Receive-Job -Name "DhcpLease:$iface" -Keep)
                [IscsiDhcp.Dhcp.Client.DhcpLeaseEventArgs]::new('Extended', $now.AddMinutes(30), $before, $after)
                [IscsiDhcp.Dhcp.Client.DhcpLeaseEventArgs]::new('Expired', $now.AddDays(1), $after, $null)
            )
        }
        Remove-Item $file -ErrorAction SilentlyContinue
        # What only the agent keeps: a target portal, from an agent of this test's own.
        $agentHome = Join-Path '/tmp' ("surface-agent-{0}" -f $PID)
        $null = New-Item -ItemType Directory -Force -Path $agentHome
        $env:ISCSIDHCP_AGENT_SOCKET = Join-Path $agentHome 'agent.sock'
        try {
            $agent = Start-TestAgent -StateDirectory (Join-Path $agentHome 'state') -LogPath (Join-Path $agentHome 'agent.log')
            $samples['IscsiDhcp.Operations.Sessions.IscsiTargetPortal'] = @(New-IscsiTargetPortal -TargetPortalAddress $portal -TargetPortalPortNumber $port)
        }
        finally {
            if ($agent) { $agent.Kill(); $agent.WaitForExit(10000) }
            Remove-Item Env:ISCSIDHCP_AGENT_SOCKET
            Remove-Item -Recurse -Force $agentHome -ErrorAction SilentlyContinue
        }
        [xml] $format = Get-Content (Join-Path (Split-Path $manifestPath) 'IscsiDhcp.Format.ps1xml') -Raw
        $script:views = @($format.Configuration.ViewDefinitions.View)
    }

    It 'has a sample of every type a view selects' {
        foreach ($view in $views) {
            foreach ($type in @($view.ViewSelectedBy.TypeName) -replace '^Deserialized\.', '') {
                $samples.Contains($type) | Should -BeTrue -Because "view $($view.Name) selects $type"
                @($samples[$type]).Count | Should -BeGreaterThan 0 -Because "the cmdlets wrote a $type"
            }
        }
    }

    It 'shows the size of a LUN in binary units, labelled as such' {
        $text = Get-Rendering ($samples['IscsiDhcp.Operations.Sessions.IscsiLun'] | Where-Object Lun -eq 1)
        Get-TableHeader $text | Should -Not -Contain 'Size(GB)'
        $text | Should -Match '\b64 MiB\b'
    }

    It 'shows the portals Find-IscsiTarget found, not a count' {
        $text = Get-Rendering $samples['IscsiDhcp.Iscsi.Discovery.IscsiTarget']
        Get-TableHeader $text | Should -Contain 'Portals'
        $text | Should -Match ([regex]::Escape("${portal}:$port"))
    }

    It 'lists what the target said at login: its portal group tag, alias, and the ISID in hex' {
        $text = Get-Rendering $samples['IscsiDhcp.Iscsi.Supervisor.IscsiSessionStatus'] -As List
        $text | Should -Match 'TargetPortalGroupTag\s*:\s*1\b'
        $text | Should -Match 'TargetAlias\s*:'
        $text | Should -Match 'Isid\s*:\s*[0-9A-F]{12}\b'
        $text | Should -Match 'Tsih\s*:\s*\d+'
    }

    It 'tells measurements apart by target and LUN' {
        $text = Get-Rendering $samples['IscsiDhcp.Operations.Sessions.IscsiMeasureResult']
        $header = Get-TableHeader $text
        $header | Should -Contain 'Lun'
        $header | Should -Contain 'TargetNodeAddress'
        $text | Should -Match ([regex]::Escape($target))
    }

    It 'shows a lease event with a lease before and after without cutting it' {
        $text = Get-Rendering $samples['IscsiDhcp.Dhcp.Client.DhcpLeaseEventArgs']
        $text | Should -Not -Match '…'
        $text | Should -Match '198\.18\.200\.10/24'
        $text | Should -Match 'Extended'
        $text | Should -Match 'Expired'
    }

    It 'cuts nothing in the <As> view of <Type> at 120 columns' -ForEach $viewCases {
        $text = Get-Rendering $samples[$Type] -As $As
        $text | Should -Not -Match '…' -Because "a 120-column console shows all of it:`n$text"
        @($text -split "`r?`n" | Where-Object { $_.Length -gt 120 }) | Should -BeNullOrEmpty
        if ($As -eq 'Table') { Get-TableHeader $text | Should -Not -BeNullOrEmpty -Because "$Type has a table view" }
    }

    It 'gives the deserialized <Type> the same <As> view' -ForEach $viewCases {
        $local = $samples[$Type]
        $remote = @($local | ForEach-Object { ConvertTo-Deserialized $_ })
        $remote[0].pstypenames[0] | Should -Be "Deserialized.$Type"
        $localText = Get-Rendering $local -As $As
        $remoteText = Get-Rendering $remote -As $As
        if ($As -eq 'Table') { Get-TableHeader $remoteText | Should -Be (Get-TableHeader $localText) }
        else { Get-ListLabel $remoteText | Should -Be (Get-ListLabel $localText) }
        $remoteText | Should -Not -Match '…'
        # Each row reads the same: the values a view shows survive serialization.
        if ($As -eq 'Table' -and $Type -ne 'IscsiDhcp.Dhcp.Client.DhcpLeaseEventArgs') { $remoteText | Should -Be $localText }
    }

    It 'selects every type of a view by its Deserialized name too' {
        foreach ($view in $views) {
            $types = @($view.ViewSelectedBy.TypeName)
            foreach ($type in $types | Where-Object { $_ -notlike 'Deserialized.*' }) {
                $types | Should -Contain "Deserialized.$type" -Because "view $($view.Name) should apply to what Start-Job and remoting return"
            }
        }
    }

    It 'shows what Start-Job returns as the local call shows it' {
        $job = Start-Job -ScriptBlock {
            param($Manifest, $Portal, $Port, $Target)
            Import-Module $Manifest
            $null = Connect-IscsiTarget -NodeAddress $Target -TargetPortalAddress $Portal -TargetPortalPortNumber $Port -InitiatorName 'iqn.2026-11.org.iscsidhcp:surface-job'
            try { Get-IscsiSession } finally { Get-IscsiSession | Disconnect-IscsiTarget -Confirm:$false }
        } -ArgumentList $manifestPath, $portal, $port, $target
        $remote = @($job | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop)
        $remote.Count | Should -Be 1
        $remote[0].pstypenames[0] | Should -Be 'Deserialized.IscsiDhcp.Iscsi.Supervisor.IscsiSessionStatus'
        $local = Get-IscsiSession -NodeAddress $target
        $remoteText = Get-Rendering $remote
        Get-TableHeader $remoteText | Should -Be (Get-TableHeader (Get-Rendering $local))
        $remoteText | Should -Match ([regex]::Escape($target))
        $remoteText | Should -Not -Match 'RunspaceId'
        (Get-Rendering $remote -As List) | Should -Not -Match 'PSSourceJobInstanceId'
        Get-ListLabel (Get-Rendering $remote -As List) | Should -Be (Get-ListLabel (Get-Rendering $local -As List))
    }
}

Describe 'Help' {
    It 'renders the list in Connect-IscsiTarget''s description as a list' {
        $text = Get-Help Connect-IscsiTarget -Full | Out-String -Width 200
        foreach ($item in 'Redirect:', 'Target error', 'Initiator error', 'Lost connection', 'The target asks for a logout') {
            $text | Should -Match ("(?m)^\s*- " + [regex]::Escape($item)) -Because "'- $item' is an item of its own"
        }
    }

    It 'renders every list of every page as a list' {
        $docs = Join-Path (Get-RepositoryRoot) 'docs'
        foreach ($page in Get-ChildItem $docs -Filter '*-*.md') {
            $items = @(Get-Content $page.FullName | Where-Object { $_ -match '^(- |\* |\d+\. )\S' } | ForEach-Object { ($_ -replace '^(- |\* |\d+\. )', '').Split(' ')[0..2] -join ' ' })
            if ($items.Count -eq 0) { continue }
            $text = Get-Help $page.BaseName -Full | Out-String -Width 400
            foreach ($item in $items) {
                $text | Should -Match ("(?m)^\s*(- |\* |\d+\. )" + [regex]::Escape($item)) -Because "$($page.Name) lists '$item'"
            }
        }
    }

    It 'says how help is updated, and Update-Help says this module has no updatable help' {
        $about = Get-Help about_IscsiDhcp | Out-String
        $about | Should -Match 'UPDATING HELP'
        $about | Should -Match 'Update-Help'
        (Get-Module IscsiDhcp).HelpInfoUri | Should -BeNullOrEmpty -Because 'there is no server to fetch help from'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Update-Help -Module IscsiDhcp -UICulture en-US -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because 'nothing is downloaded'
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'HelpInfoUriNotFound,*'
        "$($failures[0])" | Should -Match 'does not support updatable help'
        (Get-Help Connect-IscsiTarget).Synopsis | Should -Match 'Logs in to an iSCSI target' -Because 'the help that ships with the module stays'
    }

    It 'passes the module over when Update-Help runs for every module' -Skip:(-not $IsLinux -or -not (Get-Command unshare -ErrorAction SilentlyContinue)) {
        # In a network namespace of its own (no interface but a down loopback), so nothing
        # leaves the machine: the other modules fail to download, and IscsiDhcp is not named.
        $script = "Import-Module '$manifestPath'; Update-Help -UICulture en-US -ErrorVariable failures -ErrorAction SilentlyContinue; `$failures | ForEach-Object { `"`$_`" }; 'Update-Help has run'"
        $output = (& unshare -n (Get-PwshPath) -NoProfile -NonInteractive -Command $script 2>&1) | Out-String
        $output | Should -Match 'Update-Help has run'
        $output | Should -Not -Match 'IscsiDhcp'
    }
}
