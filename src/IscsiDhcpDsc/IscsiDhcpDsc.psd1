#
# Module manifest for IscsiDhcpDsc: the DSC resources of IscsiDhcp (class-based, for DSC v3's
# PowerShell adapter and PSDesiredStateConfiguration 2; beside them the command-based
# *.dsc.resource.json manifests for dsc itself). A module of its own, next to IscsiDhcp, because
# DSC v3's PowerShell adapter loads class-based resources only from a module whose RootModule is
# the script that defines them: it does not find them in a nested module of IscsiDhcp, whose
# RootModule is IscsiDhcp.dll (and scanning such a module stops the adapter's resource cache).
# ModuleVersion must equal IscsiDhcp's (the build checks it).
#
@{
    RootModule           = 'IscsiDhcpDsc.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'a0f3b8f1-6f39-4f0e-9a43-3f6f1f0c2d17'
    Author               = 'IscsiDhcp contributors'
    CompanyName          = 'IscsiDhcp contributors'
    Copyright            = '(c) IscsiDhcp contributors. MIT License.'
    Description          = 'DSC resources for IscsiDhcp: an iSCSI session, a target portal and a DHCP lease kept in their desired state by the IscsiDhcp agent.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')

    RequiredModules      = @('IscsiDhcp')

    DscResourcesToExport = @('IscsiInitiator', 'IscsiTargetPortal', 'DhcpLease')
    CmdletsToExport      = @()
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()

    FileList             = @(
        'IscsiDhcpDsc.psd1'
        'IscsiDhcpDsc.psm1'
        'IscsiDhcpDsc.ps1'
        'IscsiInitiator.dsc.resource.json'
        'IscsiTargetPortal.dsc.resource.json'
        'DhcpLease.dsc.resource.json'
    )

    PrivateData          = @{
        PSData = @{
            Tags            = @('DSC', 'DesiredStateConfiguration', 'DSCResourceKit', 'iSCSI', 'DHCP', 'Linux', 'PSEdition_Desktop', 'PSEdition_Core')
            DscCapabilities = @('get', 'set', 'test', 'export')
            LicenseUri      = 'https://github.com/iscsidhcp/IscsiDhcp/blob/main/LICENSE'
            ProjectUri      = 'https://github.com/iscsidhcp/IscsiDhcp'
        }
    }
}
