# README's walk-through is examples/walkthrough.ps1: README shows the file as it is, and
# the file runs end to end against the lab in a fresh pwsh, leaving the host as it was.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $script:root = Get-RepositoryRoot
    $script:walkthrough = Join-Path $root 'examples/walkthrough.ps1'
}

Describe 'The README walk-through' {
    It 'is shown in README.md exactly as examples/walkthrough.ps1 has it' {
        $readme = Get-Content (Join-Path $root 'README.md') -Raw
        $blocks = [regex]::Matches($readme, '(?ms)^```powershell\r?\n(.*?)^```') | ForEach-Object { $_.Groups[1].Value }
        $file = (Get-Content $walkthrough -Raw) -replace "`r`n", "`n"
        ($blocks | ForEach-Object { $_ -replace "`r`n", "`n" }) | Should -Contain $file
    }

    It 'runs end to end against the lab and leaves nothing behind' -Skip:(-not $IsLinux) {
        Assert-LabHost
        $routes = Get-HostRoute
        $pwsh = Get-PwshPath
        $output = & $pwsh -NoProfile -NonInteractive -File $walkthrough 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output | Should -Match 'Verified\s*:\s*True'
        $output | Should -Match 'Bound'
        $output | Should -Match 'removed run'
        Test-Path (Join-Path $root 'lun1.img') | Should -BeFalse
        Get-HostRoute | Should -Be $routes -Because 'the walk-through configures a lease on the lab interface only'
    }
}
