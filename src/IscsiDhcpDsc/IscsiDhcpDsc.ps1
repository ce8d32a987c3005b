<#
.SYNOPSIS
    The command that DSC v3 runs for IscsiDhcp's command-based resources (the
    *.dsc.resource.json manifests beside this script).

.DESCRIPTION
    dsc runs this script in a new PowerShell for each operation, with the instance as JSON on
    standard input, and reads JSON Lines from standard output: Get writes the actual state,
    Test the actual state with _inDesiredState, Set the state after it, Export one line per
    instance. Traces go to standard error as JSON Lines ({"warn": ...}, {"error": ...}); the exit
    code is 0 on success and 1 on an error.

    The work is done by the class-based resources of IscsiDhcpDsc.psm1 (the same ones DSC v3's
    PowerShell adapter runs): this script only maps dsc's JSON to them and back. _exist maps to
    Ensure. Credentials (ChapSecret, TargetChapSecret) are write-only: {"username": ..., "password":
    ...} or dsc's {"secureObject": {...}}; they are never written back, and never traced.

    Runs in Windows PowerShell 5.1 and PowerShell 7.

.EXAMPLE
    '{"NodeAddress":"iqn.2026-11.org.example:disk1"}' | pwsh -NoProfile -File ./IscsiDhcpDsc.ps1 get IscsiInitiator
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true, Position = 0)]
    [ValidateSet('get', 'set', 'test', 'export')]
    [string] $Operation,

    [Parameter(Mandatory = $true, Position = 1)]
    [ValidateSet('IscsiInitiator', 'IscsiTargetPortal', 'DhcpLease')]
    [string] $ResourceType
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Write-Trace([string] $Level, [string] $Message) {
    [Console]::Error.WriteLine((@{ $Level = $Message } | ConvertTo-Json -Compress))
}

# What the resource does, run in the module's scope where its classes are known by name.
$operationBody = {
    param([string] $Operation, [string] $ResourceType, [string] $Json)

    $type = $ResourceType -as [type]
    # The resource's own properties: those marked [DscProperty()], with their types.
    $declared = @{}
    foreach ($property in $type.GetProperties()) {
        foreach ($attribute in $property.GetCustomAttributes($true)) {
            if ($attribute -is [System.Management.Automation.DscPropertyAttribute]) {
                $declared[$property.Name] = $property
            }
        }
    }

    function ConvertTo-Credential($Value, [string] $Name) {
        if ($null -eq $Value) { return $null }
        $source = $Value
        if ($null -ne $Value.PSObject.Properties['secureObject']) { $source = $Value.secureObject }
        $userName = $null
        $password = $null
        foreach ($p in $source.PSObject.Properties) {
            if ($p.Name -eq 'username') { $userName = [string]$p.Value }
            elseif ($p.Name -eq 'password') { $password = [string]$p.Value }
        }
        if ([string]::IsNullOrEmpty($password)) { throw "$Name needs a password (the CHAP secret) as {""username"": ..., ""password"": ...}." }
        if ([string]::IsNullOrEmpty($userName)) { $userName = 'chap' }
        $secure = New-Object System.Security.SecureString
        foreach ($c in $password.ToCharArray()) { $secure.AppendChar($c) }
        $secure.MakeReadOnly()
        New-Object System.Management.Automation.PSCredential ($userName, $secure)
    }

    function New-Instance($InputObject) {
        $instance = $type::new()
        if ($null -eq $InputObject) { return $instance }
        $exist = $null
        foreach ($p in $InputObject.PSObject.Properties) {
            if ($p.Name -eq '_exist') { $exist = [bool]$p.Value; continue }
            if ($p.Name.StartsWith('_')) { continue }
            if (-not $declared.ContainsKey($p.Name)) { throw "$ResourceType has no property '$($p.Name)'." }
            $target = $declared[$p.Name]
            if ($target.PropertyType -eq [pscredential]) {
                $instance.($target.Name) = ConvertTo-Credential $p.Value $p.Name
            }
            else {
                $instance.($target.Name) = $p.Value
            }
        }
        if ($null -ne $exist) {
            if ($exist) { $instance.Ensure = 'Present' } else { $instance.Ensure = 'Absent' }
        }
        $instance
    }

    # The state as dsc wants it: the resource's properties that have a value, never a credential, and _exist.
    function ConvertTo-State($Instance) {
        $state = [ordered]@{}
        foreach ($name in ($declared.Keys | Sort-Object)) {
            $property = $declared[$name]
            if ($property.PropertyType -eq [pscredential]) { continue }
            $value = $Instance.$name
            if ($null -eq $value) { continue }
            if ($value -is [string] -and $value.Length -eq 0) { continue }
            $state[$name] = $value
        }
        $state['_exist'] = ($Instance.Ensure -eq 'Present')
        $state
    }

    $inputObject = $null
    if (-not [string]::IsNullOrWhiteSpace($Json)) { $inputObject = $Json | ConvertFrom-Json }
    switch ($Operation) {
        'get' {
            ConvertTo-State (New-Instance $inputObject).Get()
        }
        'test' {
            $desired = New-Instance $inputObject
            $inDesiredState = $desired.Test()
            $state = ConvertTo-State $desired.Get()
            $state['_inDesiredState'] = $inDesiredState
            $state
        }
        'set' {
            $desired = New-Instance $inputObject
            $desired.Set()
            ConvertTo-State $desired.Get()
        }
        'export' {
            foreach ($instance in $type.GetMethod('Export', [type[]]@()).Invoke($null, @())) {
                ConvertTo-State $instance
            }
        }
    }
}

$exitCode = 0
try {
    $json = [Console]::In.ReadToEnd()
    # IscsiDhcp from the folder beside this one when it is there (the layout build.ps1 makes and
    # the package holds), so that dsc finds it without PSModulePath; else from PSModulePath.
    $sibling = Join-Path (Split-Path $PSScriptRoot -Parent) 'IscsiDhcp/IscsiDhcp.psd1'
    if (Test-Path -LiteralPath $sibling) { Import-Module $sibling -ErrorAction Stop }
    $module = Import-Module (Join-Path $PSScriptRoot 'IscsiDhcpDsc.psd1') -PassThru -Force -ErrorAction Stop
    # Every stream into one: objects are the result, the rest become traces on standard error.
    $records = & $module $operationBody $Operation $ResourceType $json *>&1
    foreach ($record in $records) {
        if ($record -is [System.Management.Automation.WarningRecord]) { Write-Trace 'warn' $record.Message }
        elseif ($record -is [System.Management.Automation.ErrorRecord]) { Write-Trace 'error' "$record"; $exitCode = 1 }
        elseif ($record -is [System.Management.Automation.VerboseRecord]) { Write-Trace 'debug' $record.Message }
        elseif ($record -is [System.Management.Automation.DebugRecord]) { Write-Trace 'trace' $record.Message }
        elseif ($record -is [System.Management.Automation.InformationRecord]) { Write-Trace 'info' "$($record.MessageData)" }
        else { [Console]::Out.WriteLine(($record | ConvertTo-Json -Compress -Depth 5)) }
    }
}
catch {
    $message = $_.Exception.Message
    if ($_.Exception.InnerException -and $_.Exception -is [System.Management.Automation.MethodInvocationException]) {
        $message = $_.Exception.InnerException.Message
    }
    Write-Trace 'error' "IscsiDhcp/${ResourceType} ${Operation}: $message"
    $exitCode = 1
}
exit $exitCode
