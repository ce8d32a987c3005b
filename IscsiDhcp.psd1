#
# Module manifest for IscsiDhcp.
# ModuleVersion below is the project's only version number: Directory.Build.props
# reads it from here and stamps it into every assembly.
#
@{
    RootModule           = 'IscsiDhcp.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '42b414b2-b866-4797-a7b0-8838da8256c7'
    Author               = 'IscsiDhcp contributors'
    CompanyName          = 'IscsiDhcp contributors'
    Copyright            = '(c) IscsiDhcp contributors. MIT License.'
    Description          = 'A user-space iSCSI initiator and a DHCPv4 client agent for PowerShell: discover and log in to iSCSI targets, read and write LUNs, obtain and supervise DHCP leases, with typed objects and supervisor jobs.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'

    FormatsToProcess     = @('IscsiDhcp.Format.ps1xml')

    # No HelpInfoUri, on purpose: the help ships with the module (en-US) and there is no
    # server for updatable help. Without one, Update-Help -Module IscsiDhcp says at once that
    # the module does not support updatable help, and Update-Help for all modules passes it
    # over; a HelpInfoUri that pointed nowhere would fail every Update-Help instead.
    # about_IscsiDhcp ("UPDATING HELP") tells users that a new module version brings new help.

    # Explicit lists: PowerShell never has to scan the assembly, and a test keeps
    # CmdletsToExport equal to the cmdlets the assembly defines.
    CmdletsToExport      = @(
        'Connect-IscsiTarget'
        'Copy-IscsiLun'
        'Disconnect-IscsiTarget'
        'Dismount-IscsiLun'
        'Find-IscsiTarget'
        'Get-DhcpLease'
        'Get-DhcpOption'
        'Get-IscsiLun'
        'Get-IscsiDhcpAgent'
        'Get-IscsiSession'
        'Get-IscsiTargetPortal'
        'Measure-IscsiLun'
        'Mount-IscsiLun'
        'New-IscsiTargetPortal'
        'Open-IscsiLun'
        'Register-IscsiSession'
        'Remove-IscsiTargetPortal'
        'Start-DhcpLease'
        'Start-IscsiDhcpAgent'
        'Stop-DhcpLease'
        'Stop-IscsiDhcpAgent'
        'Test-DhcpLease'
        'Unregister-IscsiSession'
        'Update-DhcpLease'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()

    PrivateData          = @{
        PSData = @{
            Tags         = @('iSCSI', 'DHCP', 'DHCPv4', 'initiator', 'storage', 'network', 'lease', 'Linux', 'Windows', 'PSEdition_Desktop', 'PSEdition_Core')
            LicenseUri   = 'https://github.com/iscsidhcp/IscsiDhcp/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/iscsidhcp/IscsiDhcp'
            ReleaseNotes = '0.1.0: protocol core (iSCSI initiator with session supervisor, DHCPv4 client and agent), the iSCSI and DHCP cmdlets with supervisor jobs, build and test scripts, and a lab of real peers (tgtd, dnsmasq, kea).'
        }
    }
}
