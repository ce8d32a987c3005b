# DSC resources for IscsiDhcp: an iSCSI session, a target portal and a DHCP lease kept in a
# desired state by the IscsiDhcp agent. DSC runs every operation in a new process, so what Set
# makes must outlive that process: only the agent keeps it. Set starts an agent when none runs
# (as Connect-IscsiTarget -IsPersistent does) and never leaves a session or lease in the DSC
# process itself. Get, Test and Export only read: they start nothing, and with no agent running
# nothing is held, so they report every session and lease absent.
#
# The resources are thin: each method calls the module's own cmdlets. Windows PowerShell 5.1
# syntax only (no ?., ??, ternaries). CHAP secrets arrive as PSCredential, go to the cmdlets as
# PSCredential, and are never returned (Get leaves them $null), compared, or written anywhere.

Set-StrictMode -Version 2.0

# The lease states in which the agent holds an address (dhcpagent's Bound, Renewing, Rebinding).
$script:LeaseHoldsAddress = @('Bound', 'Renewing', 'Rebinding')
# The states of a lease still being obtained: Set waits for these to end rather than starting over.
$script:LeaseInProgress = @('Init', 'Selecting', 'Requesting', 'InitReboot', 'Declining')

<#
    The agent's status, or $null when none answers on this host's socket (ISCSIDHCP_AGENT_SOCKET
    or the default). Reading never starts one.
#>
function Get-DscAgent {
    Get-IscsiDhcpAgent -ErrorAction SilentlyContinue -ErrorVariable ignored
}

<#
    Makes sure an agent runs before Set changes anything, so that the session or lease is the
    agent's and outlives this process. Start-IscsiDhcpAgent finds the host's agent or starts one
    on demand (idle timeout 300 s; it stays while it holds a session or lease).
#>
function Initialize-DscAgent {
    if ($null -ne (Get-DscAgent)) { return }
    $agent = Start-IscsiDhcpAgent -ErrorAction Stop
    Write-Warning ("IscsiDhcp DSC: no IscsiDhcp agent was running, so one was started (pid {0}, {1}); it keeps what this configuration sets after DSC exits. Run the agent as a service (iscsidhcp-agent.service) to keep it across reboots." -f $agent.ProcessId, $agent.Endpoint)
}

<# True when a configuration set the value: $null (and an empty string) mean "not set". #>
function Test-DscValueSet {
    param($Value)
    if ($null -eq $Value) { return $false }
    if ($Value -is [string]) { return ($Value.Length -gt 0) }
    return $true
}

<#
    The CHAP credential to log in with: the user name is ChapUsername when the configuration set
    it, else the credential's own; the secret is the credential's password. $null when no secret
    was given. The SecureString is handed on as it is, never turned into text here.
#>
function New-DscChapCredential {
    param([string] $UserName, [pscredential] $Secret, [string] $PropertyName)
    if ($null -eq $Secret) { return $null }
    $name = $UserName
    if ([string]::IsNullOrEmpty($name)) { $name = $Secret.UserName }
    if ([string]::IsNullOrEmpty($name)) { throw "IscsiDhcp DSC: $PropertyName needs a user name (set it in the credential or in the user name property)." }
    New-Object System.Management.Automation.PSCredential ($name, $Secret.Password)
}

<# The agent's (or this process's) session to NodeAddress, for one initiator name when given. #>
function Find-DscSession {
    param([string] $NodeAddress, [string] $InitiatorNodeAddress)
    $found = $null
    foreach ($session in @(Get-IscsiSession -ErrorAction Stop)) {
        if ($session.TargetNodeAddress -ne $NodeAddress) { continue }
        if ((Test-DscValueSet $InitiatorNodeAddress) -and $session.InitiatorNodeAddress -ne $InitiatorNodeAddress) { continue }
        $found = $session
        break
    }
    $found
}

<# The portal the agent keeps at this address and port, or $null (also when no agent runs). #>
function Find-DscTargetPortal {
    param([string] $TargetPortalAddress, [int] $TargetPortalPortNumber)
    if ($null -eq (Get-DscAgent)) { return $null }
    $found = $null
    foreach ($portal in @(Get-IscsiTargetPortal -ErrorAction Stop)) {
        if ($portal.TargetPortalAddress -eq $TargetPortalAddress -and $portal.TargetPortalPortNumber -eq $TargetPortalPortNumber) {
            $found = $portal
            break
        }
    }
    $found
}

<# The lease on an interface (for one client id when given) that is still managed, or $null. #>
function Find-DscLease {
    param([string] $InterfaceName, [string] $ClientId)
    $found = $null
    foreach ($lease in @(Get-DhcpLease -ErrorAction Stop)) {
        if ($lease.InterfaceName -ne $InterfaceName) { continue }
        if ((Test-DscValueSet $ClientId) -and $lease.ClientId -ne $ClientId) { continue }
        if ("$($lease.State)" -eq 'Stopped') { continue }
        $found = $lease
        break
    }
    $found
}

<# Waits up to $TimeoutSec for a script block to return a true value; returns that value or $null. #>
function Wait-DscCondition {
    param([scriptblock] $Condition, [int] $TimeoutSec)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ($true) {
        $value = & $Condition
        if ($value) { return $value }
        if ([DateTime]::UtcNow -gt $deadline) { return $null }
        Start-Sleep -Milliseconds 250
    }
}

<#
    An iSCSI session to one target, logged in and kept by the IscsiDhcp agent. Property names
    follow iSCSIDsc's ISCSIInitiator. AuthenticationType and the CHAP names and secrets are used
    when Set logs in; a session's status does not carry them, so Test does not compare them.
#>
[DscResource()]
class IscsiInitiator {
    # The target's iSCSI name (IQN).
    [DscProperty(Key)]
    [string] $NodeAddress

    # Present: logged in and kept by the agent. Absent: logged out and not registered.
    [DscProperty()]
    [ValidateSet('Present', 'Absent')]
    [string] $Ensure = 'Present'

    [DscProperty()]
    [string] $TargetPortalAddress

    [DscProperty()]
    [Nullable[int]] $TargetPortalPortNumber

    # This initiator's iSCSI name; the host's default when not set.
    [DscProperty()]
    [string] $InitiatorNodeAddress

    [DscProperty()]
    [ValidateSet('None', 'OneWayChap', 'MutualChap')]
    [string] $AuthenticationType

    [DscProperty()]
    [string] $ChapUsername

    # Write-only: its password is the CHAP secret (its user name is used when ChapUsername is not set).
    [DscProperty()]
    [pscredential] $ChapSecret

    # Mutual CHAP: the name and secret the target must answer with. Write-only as ChapSecret.
    [DscProperty()]
    [string] $TargetChapUsername

    [DscProperty()]
    [pscredential] $TargetChapSecret

    [DscProperty()]
    [Nullable[bool]] $IsHeaderDigest

    [DscProperty()]
    [Nullable[bool]] $IsDataDigest

    # Registered with the agent, which logs it in whenever it starts.
    [DscProperty()]
    [Nullable[bool]] $IsPersistent

    [DscProperty(NotConfigurable)]
    [Nullable[bool]] $IsConnected

    [DscProperty(NotConfigurable)]
    [string] $SessionIdentifier

    [DscProperty(NotConfigurable)]
    [string] $TargetNodeAddress

    # The supervisor's state (iscontrol's): LoggedIn in full feature phase.
    [DscProperty(NotConfigurable)]
    [string] $State

    [DscProperty(NotConfigurable)]
    [string] $HeldBy

    [IscsiInitiator] Get() {
        $session = Find-DscSession -NodeAddress $this.NodeAddress -InitiatorNodeAddress $this.InitiatorNodeAddress
        return [IscsiInitiator]::FromSession($this.NodeAddress, $session)
    }

    [bool] Test() {
        $current = $this.Get()
        if ($this.Ensure -eq 'Absent') {
            return ($current.Ensure -eq 'Absent')
        }
        if ($current.Ensure -ne 'Present' -or -not $current.IsConnected) { return $false }
        if ($null -ne $this.IsPersistent -and $this.IsPersistent -ne $current.IsPersistent) { return $false }
        return (-not $this.Differs($current))
    }

    [void] Set() {
        if ($this.Ensure -eq 'Absent') {
            $this.Remove()
            return
        }
        if (-not (Test-DscValueSet $this.TargetPortalAddress)) {
            throw "IscsiDhcp DSC: IscsiInitiator '$($this.NodeAddress)' needs TargetPortalAddress to log in."
        }
        Initialize-DscAgent
        $session = Find-DscSession -NodeAddress $this.NodeAddress -InitiatorNodeAddress $this.InitiatorNodeAddress
        if ($null -ne $session -and "$($session.State)" -ne 'LoggedIn') {
            # Its supervisor is reconnecting (or the agent is logging a persistent session in): let it finish.
            $node = $this.NodeAddress
            $initiator = $this.InitiatorNodeAddress
            $loggedIn = Wait-DscCondition -TimeoutSec 20 -Condition {
                $s = Find-DscSession -NodeAddress $node -InitiatorNodeAddress $initiator
                if ($null -ne $s -and "$($s.State)" -eq 'LoggedIn') { $s }
            }
            if ($null -ne $loggedIn) { $session = $loggedIn }
        }
        if ($null -ne $session) {
            $current = [IscsiInitiator]::FromSession($this.NodeAddress, $session)
            if (-not $current.IsConnected -or $this.Differs($current)) {
                # A session with other settings (or one that does not come back) is replaced.
                Write-Verbose "IscsiDhcp DSC: logging session $($session.SessionIdentifier) out to log in with the configured settings"
                $null = Disconnect-IscsiTarget -SessionIdentifier $session.SessionIdentifier -Confirm:$false -ErrorAction Stop
                $session = $null
            }
        }
        if ($null -eq $session) {
            $session = $this.Connect()
        }
        if ($this.IsPersistent -eq $true -and -not $session.IsPersistent) {
            $null = Register-IscsiSession -SessionIdentifier $session.SessionIdentifier -Confirm:$false -ErrorAction Stop
        }
        elseif ($this.IsPersistent -eq $false -and $session.IsPersistent) {
            $null = Unregister-IscsiSession -SessionIdentifier $session.SessionIdentifier -Confirm:$false -ErrorAction Stop
        }
    }

    static [IscsiInitiator[]] Export() {
        $all = New-Object System.Collections.Generic.List[IscsiInitiator]
        foreach ($session in @(Get-IscsiSession -ErrorAction Stop)) {
            $all.Add([IscsiInitiator]::FromSession($session.TargetNodeAddress, $session))
        }
        return $all.ToArray()
    }

    # What Get reports for a session (or for none): never a secret.
    static [IscsiInitiator] FromSession([string] $NodeAddress, $Session) {
        $result = [IscsiInitiator]::new()
        $result.NodeAddress = $NodeAddress
        if ($null -eq $Session) {
            $result.Ensure = 'Absent'
            $result.IsConnected = $false
            return $result
        }
        $result.Ensure = 'Present'
        $result.IsConnected = [bool]$Session.IsConnected
        $result.SessionIdentifier = $Session.SessionIdentifier
        $result.TargetNodeAddress = $Session.TargetNodeAddress
        $result.InitiatorNodeAddress = $Session.InitiatorNodeAddress
        $result.State = "$($Session.State)"
        $result.HeldBy = "$($Session.HeldBy)"
        $result.IsPersistent = [bool]$Session.IsPersistent
        # The portal the configuration named; a redirect may have moved the connection elsewhere.
        $portal = $Session.OriginalTargetPortal
        if ($null -eq $portal) { $portal = $Session.TargetPortal }
        if ($null -ne $portal) {
            $result.TargetPortalAddress = $portal.Host
            $result.TargetPortalPortNumber = $portal.Port
        }
        if ($null -ne $Session.Parameters) {
            $result.IsHeaderDigest = [bool]$Session.Parameters.HeaderDigest
            $result.IsDataDigest = [bool]$Session.Parameters.DataDigest
        }
        return $result
    }

    # True when a login setting the configuration gave differs from the session's (IsPersistent is
    # not one: Set registers or unregisters a session without logging it out).
    [bool] Differs([IscsiInitiator] $Current) {
        if ((Test-DscValueSet $this.TargetPortalAddress) -and $this.TargetPortalAddress -ne $Current.TargetPortalAddress) { return $true }
        if ($null -ne $this.TargetPortalPortNumber -and $this.TargetPortalPortNumber -ne $Current.TargetPortalPortNumber) { return $true }
        if ((Test-DscValueSet $this.InitiatorNodeAddress) -and $this.InitiatorNodeAddress -ne $Current.InitiatorNodeAddress) { return $true }
        if ($null -ne $this.IsHeaderDigest -and $this.IsHeaderDigest -ne $Current.IsHeaderDigest) { return $true }
        if ($null -ne $this.IsDataDigest -and $this.IsDataDigest -ne $Current.IsDataDigest) { return $true }
        return $false
    }

    hidden [object] Connect() {
        $parameters = @{
            NodeAddress         = $this.NodeAddress
            TargetPortalAddress = $this.TargetPortalAddress
            Confirm             = $false
            ErrorAction         = 'Stop'
        }
        if ($null -ne $this.TargetPortalPortNumber) { $parameters['TargetPortalPortNumber'] = [int]$this.TargetPortalPortNumber }
        if (Test-DscValueSet $this.InitiatorNodeAddress) { $parameters['InitiatorName'] = $this.InitiatorNodeAddress }
        if (Test-DscValueSet $this.AuthenticationType) { $parameters['AuthenticationType'] = $this.AuthenticationType }
        $chap = New-DscChapCredential -UserName $this.ChapUsername -Secret $this.ChapSecret -PropertyName 'ChapSecret'
        if ($null -ne $chap) { $parameters['Credential'] = $chap }
        $targetChap = New-DscChapCredential -UserName $this.TargetChapUsername -Secret $this.TargetChapSecret -PropertyName 'TargetChapSecret'
        if ($null -ne $targetChap) { $parameters['TargetCredential'] = $targetChap }
        if ($this.IsHeaderDigest -eq $true) { $parameters['IsHeaderDigest'] = $true }
        if ($this.IsDataDigest -eq $true) { $parameters['IsDataDigest'] = $true }
        if ($this.IsPersistent -eq $true) { $parameters['IsPersistent'] = $true }
        return (Connect-IscsiTarget @parameters)
    }

    # Absent: not registered (the agent would log it in again) and logged out.
    hidden [void] Remove() {
        $session = Find-DscSession -NodeAddress $this.NodeAddress -InitiatorNodeAddress $this.InitiatorNodeAddress
        if ($null -ne $session) {
            if ($session.IsPersistent) {
                $null = Unregister-IscsiSession -SessionIdentifier $session.SessionIdentifier -Confirm:$false -ErrorAction Stop
            }
            $null = Disconnect-IscsiTarget -SessionIdentifier $session.SessionIdentifier -Confirm:$false -ErrorAction Stop
            return
        }
        if ($null -eq (Get-DscAgent)) { return }
        # Not logged in, but perhaps still registered (a persistent session someone disconnected).
        $parameters = @{ NodeAddress = $this.NodeAddress; Confirm = $false; ErrorAction = 'SilentlyContinue'; ErrorVariable = 'failed' }
        if (Test-DscValueSet $this.InitiatorNodeAddress) { $parameters['InitiatorName'] = $this.InitiatorNodeAddress }
        $failed = $null
        $null = Unregister-IscsiSession @parameters
        foreach ($record in @($failed)) {
            if ($null -ne $record -and $record.FullyQualifiedErrorId -notlike 'IscsiSessionNotFound,*') { throw $record }
        }
    }
}

<#
    A target portal kept by the IscsiDhcp agent (New-IscsiTargetPortal): its address, port,
    digests, initiator name and CHAP names and secrets. The secrets stay in the agent's root-only
    store; Test compares what Get-IscsiTargetPortal shows, never a secret.
#>
[DscResource()]
class IscsiTargetPortal {
    [DscProperty(Key)]
    [string] $TargetPortalAddress

    [DscProperty()]
    [Nullable[int]] $TargetPortalPortNumber

    [DscProperty()]
    [ValidateSet('Present', 'Absent')]
    [string] $Ensure = 'Present'

    [DscProperty()]
    [string] $InitiatorNodeAddress

    [DscProperty()]
    [ValidateSet('None', 'OneWayChap', 'MutualChap')]
    [string] $AuthenticationType

    [DscProperty()]
    [string] $ChapUsername

    [DscProperty()]
    [pscredential] $ChapSecret

    [DscProperty()]
    [string] $TargetChapUsername

    [DscProperty()]
    [pscredential] $TargetChapSecret

    [DscProperty()]
    [Nullable[bool]] $IsHeaderDigest

    [DscProperty()]
    [Nullable[bool]] $IsDataDigest

    [IscsiTargetPortal] Get() {
        $port = $this.Port()
        $portal = Find-DscTargetPortal -TargetPortalAddress $this.TargetPortalAddress -TargetPortalPortNumber $port
        return [IscsiTargetPortal]::FromPortal($this.TargetPortalAddress, $port, $portal)
    }

    [bool] Test() {
        $current = $this.Get()
        if ($this.Ensure -eq 'Absent') { return ($current.Ensure -eq 'Absent') }
        if ($current.Ensure -ne 'Present') { return $false }
        return (-not $this.Differs($current))
    }

    [void] Set() {
        $port = $this.Port()
        if ($this.Ensure -eq 'Absent') {
            if ($null -ne (Find-DscTargetPortal -TargetPortalAddress $this.TargetPortalAddress -TargetPortalPortNumber $port)) {
                $null = Remove-IscsiTargetPortal -TargetPortalAddress $this.TargetPortalAddress -TargetPortalPortNumber $port -Confirm:$false -ErrorAction Stop
            }
            return
        }
        Initialize-DscAgent
        $portal = Find-DscTargetPortal -TargetPortalAddress $this.TargetPortalAddress -TargetPortalPortNumber $port
        if ($null -ne $portal -and -not $this.Differs([IscsiTargetPortal]::FromPortal($this.TargetPortalAddress, $port, $portal))) { return }
        # New or different: New-IscsiTargetPortal discovers with these settings, then keeps them (replacing the old).
        $parameters = @{
            TargetPortalAddress    = $this.TargetPortalAddress
            TargetPortalPortNumber = $port
            Confirm                = $false
            ErrorAction            = 'Stop'
        }
        if (Test-DscValueSet $this.InitiatorNodeAddress) { $parameters['InitiatorName'] = $this.InitiatorNodeAddress }
        if (Test-DscValueSet $this.AuthenticationType) { $parameters['AuthenticationType'] = $this.AuthenticationType }
        $chap = New-DscChapCredential -UserName $this.ChapUsername -Secret $this.ChapSecret -PropertyName 'ChapSecret'
        if ($null -ne $chap) { $parameters['Credential'] = $chap }
        $targetChap = New-DscChapCredential -UserName $this.TargetChapUsername -Secret $this.TargetChapSecret -PropertyName 'TargetChapSecret'
        if ($null -ne $targetChap) { $parameters['TargetCredential'] = $targetChap }
        if ($this.IsHeaderDigest -eq $true) { $parameters['IsHeaderDigest'] = $true }
        if ($this.IsDataDigest -eq $true) { $parameters['IsDataDigest'] = $true }
        $null = New-IscsiTargetPortal @parameters
    }

    static [IscsiTargetPortal[]] Export() {
        $all = New-Object System.Collections.Generic.List[IscsiTargetPortal]
        if ($null -eq (Get-DscAgent)) { return $all.ToArray() }
        foreach ($portal in @(Get-IscsiTargetPortal -ErrorAction Stop)) {
            $all.Add([IscsiTargetPortal]::FromPortal($portal.TargetPortalAddress, $portal.TargetPortalPortNumber, $portal))
        }
        return $all.ToArray()
    }

    static [IscsiTargetPortal] FromPortal([string] $Address, [int] $Port, $Portal) {
        $result = [IscsiTargetPortal]::new()
        $result.TargetPortalAddress = $Address
        $result.TargetPortalPortNumber = $Port
        if ($null -eq $Portal) {
            $result.Ensure = 'Absent'
            return $result
        }
        $result.Ensure = 'Present'
        $result.InitiatorNodeAddress = $Portal.InitiatorNodeAddress
        $result.AuthenticationType = "$($Portal.AuthenticationType)"
        $result.ChapUsername = $Portal.ChapUserName
        $result.TargetChapUsername = $Portal.TargetChapUserName
        $result.IsHeaderDigest = [bool]$Portal.IsHeaderDigest
        $result.IsDataDigest = [bool]$Portal.IsDataDigest
        return $result
    }

    hidden [int] Port() {
        if ($null -eq $this.TargetPortalPortNumber) { return 3260 }
        return [int]$this.TargetPortalPortNumber
    }

    [bool] Differs([IscsiTargetPortal] $Current) {
        if ((Test-DscValueSet $this.InitiatorNodeAddress) -and $this.InitiatorNodeAddress -ne $Current.InitiatorNodeAddress) { return $true }
        if ((Test-DscValueSet $this.AuthenticationType) -and $this.AuthenticationType -ne $Current.AuthenticationType) { return $true }
        # The user names the portal will use: the configured ones, or the credentials' own.
        $chapUser = $this.ChapUsername
        if (-not (Test-DscValueSet $chapUser) -and $null -ne $this.ChapSecret) { $chapUser = $this.ChapSecret.UserName }
        if ((Test-DscValueSet $chapUser) -and $chapUser -ne $Current.ChapUsername) { return $true }
        $targetUser = $this.TargetChapUsername
        if (-not (Test-DscValueSet $targetUser) -and $null -ne $this.TargetChapSecret) { $targetUser = $this.TargetChapSecret.UserName }
        if ((Test-DscValueSet $targetUser) -and $targetUser -ne $Current.TargetChapUsername) { return $true }
        if ($null -ne $this.IsHeaderDigest -and $this.IsHeaderDigest -ne $Current.IsHeaderDigest) { return $true }
        if ($null -ne $this.IsDataDigest -and $this.IsDataDigest -ne $Current.IsDataDigest) { return $true }
        return $false
    }
}

<#
    A DHCP lease on an interface, obtained and kept (renewed, rebound) by the IscsiDhcp agent.
    Absent: released (the address goes back to the server and off the interface) and no longer
    managed. HostName is sent when the lease is obtained; a lease's status does not carry it, so
    Test does not compare it.
#>
[DscResource()]
class DhcpLease {
    [DscProperty(Key)]
    [string] $InterfaceName

    # The client identifier as Get-DhcpLease shows it; the interface's own when not set.
    [DscProperty()]
    [string] $ClientId

    [DscProperty()]
    [ValidateSet('Present', 'Absent')]
    [string] $Ensure = 'Present'

    # Put the address and routes on the interface (Start-DhcpLease -Configure).
    [DscProperty()]
    [Nullable[bool]] $Configure

    # The address to ask for; Test compares it with the address the server gave.
    [DscProperty()]
    [string] $RequestedAddress

    [DscProperty()]
    [string] $HostName

    [DscProperty(NotConfigurable)]
    [string] $Address

    [DscProperty(NotConfigurable)]
    [Nullable[int]] $PrefixLength

    [DscProperty(NotConfigurable)]
    [string] $State

    [DscProperty(NotConfigurable)]
    [string] $Server

    # Round-trip ISO 8601 time the lease expires unless renewed.
    [DscProperty(NotConfigurable)]
    [string] $ExpiresAt

    [DscProperty(NotConfigurable)]
    [string] $HeldBy

    [DhcpLease] Get() {
        $lease = Find-DscLease -InterfaceName $this.InterfaceName -ClientId $this.ClientId
        return [DhcpLease]::FromLease($this.InterfaceName, $lease)
    }

    [bool] Test() {
        $current = $this.Get()
        if ($this.Ensure -eq 'Absent') { return ($current.Ensure -eq 'Absent') }
        if ($current.Ensure -ne 'Present') { return $false }
        if ($script:LeaseHoldsAddress -notcontains $current.State) { return $false }
        return (-not $this.Differs($current))
    }

    [void] Set() {
        if ($this.Ensure -eq 'Absent') {
            $lease = Find-DscLease -InterfaceName $this.InterfaceName -ClientId $this.ClientId
            if ($null -ne $lease) { $this.Release($lease) }
            return
        }
        Initialize-DscAgent
        $lease = Find-DscLease -InterfaceName $this.InterfaceName -ClientId $this.ClientId
        if ($null -ne $lease -and $script:LeaseInProgress -contains "$($lease.State)") {
            # The agent is obtaining it (INIT-REBOOT after a start, or a new DISCOVER): let it finish.
            $interface = $this.InterfaceName
            $wantedClientId = $this.ClientId
            $bound = Wait-DscCondition -TimeoutSec 30 -Condition {
                $l = Find-DscLease -InterfaceName $interface -ClientId $wantedClientId
                if ($null -ne $l -and $script:LeaseHoldsAddress -contains "$($l.State)") { $l }
            }
            if ($null -ne $bound) { $lease = $bound }
        }
        if ($null -ne $lease) {
            $current = [DhcpLease]::FromLease($this.InterfaceName, $lease)
            if ($script:LeaseHoldsAddress -contains $current.State -and -not $this.Differs($current)) { return }
            Write-Verbose "IscsiDhcp DSC: lease on $($this.InterfaceName) is $($current.State) with other settings; releasing it to start over"
            $this.Release($lease)
        }
        $parameters = @{
            InterfaceName = $this.InterfaceName
            Confirm       = $false
            ErrorAction   = 'Stop'
        }
        if (Test-DscValueSet $this.ClientId) { $parameters['ClientId'] = $this.ClientId }
        if (Test-DscValueSet $this.HostName) { $parameters['HostName'] = $this.HostName }
        if (Test-DscValueSet $this.RequestedAddress) { $parameters['RequestedAddress'] = [System.Net.IPAddress]::Parse($this.RequestedAddress) }
        if ($this.Configure -eq $true) { $parameters['Configure'] = $true }
        $null = Start-DhcpLease @parameters
    }

    static [DhcpLease[]] Export() {
        $all = New-Object System.Collections.Generic.List[DhcpLease]
        foreach ($lease in @(Get-DhcpLease -ErrorAction Stop)) {
            if ("$($lease.State)" -eq 'Stopped') { continue }
            $all.Add([DhcpLease]::FromLease($lease.InterfaceName, $lease))
        }
        return $all.ToArray()
    }

    static [DhcpLease] FromLease([string] $InterfaceName, $Lease) {
        $result = [DhcpLease]::new()
        $result.InterfaceName = $InterfaceName
        if ($null -eq $Lease) {
            $result.Ensure = 'Absent'
            return $result
        }
        $result.Ensure = 'Present'
        $result.ClientId = $Lease.ClientId
        $result.State = "$($Lease.State)"
        $result.Configure = [bool]$Lease.Configured
        $result.HeldBy = "$($Lease.HeldBy)"
        if ($null -ne $Lease.Address) {
            $result.Address = $Lease.Address.ToString()
            $result.RequestedAddress = $result.Address
            $result.PrefixLength = $Lease.PrefixLength
        }
        if ($null -ne $Lease.Server) { $result.Server = $Lease.Server.ToString() }
        if ($null -ne $Lease.ExpiresAt) { $result.ExpiresAt = $Lease.ExpiresAt.ToString('o', [System.Globalization.CultureInfo]::InvariantCulture) }
        return $result
    }

    [bool] Differs([DhcpLease] $Current) {
        if ((Test-DscValueSet $this.ClientId) -and $this.ClientId -ne $Current.ClientId) { return $true }
        if ($null -ne $this.Configure -and $this.Configure -ne $Current.Configure) { return $true }
        if ((Test-DscValueSet $this.RequestedAddress) -and $this.RequestedAddress -ne $Current.Address) { return $true }
        return $false
    }

    # RELEASE where the lease holds an address; DROP where it does not (dhcpagent allows no RELEASE there).
    hidden [void] Release($Lease) {
        $parameters = @{ InterfaceName = $Lease.InterfaceName; ClientId = $Lease.ClientId; Confirm = $false; ErrorAction = 'Stop' }
        if ($script:LeaseHoldsAddress -contains "$($Lease.State)") { $parameters['Release'] = $true }
        $null = Stop-DhcpLease @parameters
    }
}
