# From nothing to an iSCSI session and a DHCP lease, with the lab's real peers.
# Linux, as root, in PowerShell 7, from a clone of the repository (tests/run.sh has
# installed the peers):  sudo pwsh ./examples/walkthrough.ps1
# README.md shows this file as it is, and tests/Pester/Walkthrough.Tests.ps1 runs it.
$ErrorActionPreference = 'Stop'
Push-Location (Split-Path $PSScriptRoot -Parent)
try {
    # 1. Build the module and bring the lab up: a tgtd target that wants CHAP, and a DHCP network.
    ./build.ps1 -Task Build
    $lab = bash tools/lab.sh up --luns 2 --lun-size 64M --chap alice:alice-secret-1 --dhcp dnsmasq | ConvertFrom-Json
    Import-Module ./out/IscsiDhcp/IscsiDhcp.psd1
    $address, $port = $lab.portal.Split(':')

    # 2. Discover and connect; the session is supervised by a job.
    $alice = New-Object PSCredential 'alice', (ConvertTo-SecureString 'alice-secret-1' -AsPlainText -Force)
    Find-IscsiTarget $address -TargetPortalPortNumber $port -AuthenticationType OneWayChap -Credential $alice |
        Connect-IscsiTarget -AuthenticationType OneWayChap -Credential $alice
    Get-Job -Name 'IscsiSession:*'

    # 3. Look at the LUNs, copy one out and back, measure it.
    Get-IscsiSession | Get-IscsiLun
    Copy-IscsiLun -NodeAddress $lab.targetName -Lun 1 -Direction LunToFile -Path ./lun1.img -Verify -PassThru -Confirm:$false
    Copy-IscsiLun -NodeAddress $lab.targetName -Lun 1 -Direction FileToLun -Path ./lun1.img -Verify -PassThru -Confirm:$false
    Measure-IscsiLun -NodeAddress $lab.targetName -Lun 2 -Random -DurationSec 5

    # 4. A lease on the lab's client interface, configured, then released.
    Start-DhcpLease -InterfaceName $lab.dhcpClientInterface -Configure
    Get-DhcpOption -InterfaceName $lab.dhcpClientInterface -Name Router
    Stop-DhcpLease -InterfaceName $lab.dhcpClientInterface -Release -Confirm:$false

    # 5. Log out.
    Get-IscsiSession | Disconnect-IscsiTarget -Confirm:$false
}
finally {
    # 6. Take the lab down and remove the copy, also when a step failed.
    if ($lab) { bash tools/lab.sh down $lab.id }
    Remove-Item ./lun1.img -ErrorAction SilentlyContinue
    Pop-Location
}
