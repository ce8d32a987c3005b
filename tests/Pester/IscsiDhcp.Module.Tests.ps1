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
