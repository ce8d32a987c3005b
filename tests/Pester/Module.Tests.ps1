# The built module (out/IscsiDhcp) as PowerShell loads it: manifest, exports, help.
# tests/run.sh runs these in pwsh; tests/IscsiDhcp.Tests checks the same metadata from C#.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $manifestPath = Get-BuiltManifestPath
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
