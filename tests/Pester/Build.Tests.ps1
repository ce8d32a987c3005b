# build.ps1's tasks in pwsh, as a user runs them (Test is what tests/run.sh itself runs).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $script:root = Get-RepositoryRoot
    $script:build = Join-Path $root 'build.ps1'
    $script:pwsh = Get-PwshPath
    $script:version = (Import-PowerShellDataFile (Join-Path $root 'IscsiDhcp.psd1')).ModuleVersion

    function Invoke-BuildTask([string] $Task, [string] $Script = $build) {
        $output = & $pwsh -NoProfile -NonInteractive -File $Script -Task $Task 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }
}

Describe 'build.ps1' {
    It 'Package makes a zip that Import-Module loads from a fresh folder' {
        $run = Invoke-BuildTask Package
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $zip = Join-Path $root "out/IscsiDhcp-$version.zip"
        Test-Path $zip | Should -BeTrue
        $folder = Join-Path ([IO.Path]::GetTempPath()) "iscsidhcp-package-$PID"
        try {
            Expand-Archive -Path $zip -DestinationPath $folder
            $manifest = Join-Path $folder 'IscsiDhcp/IscsiDhcp.psd1'
            $check = 'Import-Module ''{0}'' -ErrorAction Stop; $m = Get-Module IscsiDhcp; "{{0}}|{{1}}|{{2}}" -f $m.Version, @($m.ExportedCmdlets.Keys).Count, $m.ModuleBase' -f $manifest
            $loaded = & $pwsh -NoProfile -NonInteractive -Command $check
            $LASTEXITCODE | Should -Be 0
            $fields = "$loaded".Split('|')
            $fields[0] | Should -Be $version
            [int]$fields[1] | Should -Be 24
            $fields[2] | Should -Be (Join-Path $folder 'IscsiDhcp')
            & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'; (Get-Help Connect-IscsiTarget).Synopsis" |
                Should -Not -BeNullOrEmpty
        }
        finally {
            Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
            Remove-Item $zip -ErrorAction SilentlyContinue
        }
    }

    It 'Clean removes out/ and every bin/ and obj/ folder and nothing else' {
        # In a scratch copy: cleaning the real tree would pull the built module from under the suite.
        $scratch = Join-Path ([IO.Path]::GetTempPath()) "iscsidhcp-clean-$PID"
        try {
            foreach ($dir in 'out/IscsiDhcp', 'src/A/bin/Release', 'src/A/obj', 'tests/B/bin', 'src/A/binder') {
                $null = New-Item -ItemType Directory -Force -Path (Join-Path $scratch $dir)
            }
            Set-Content (Join-Path $scratch 'src/A/A.cs') 'class A {}'
            Set-Content (Join-Path $scratch 'src/A/binder/B.cs') 'class B {}'
            Copy-Item $build $scratch
            $run = Invoke-BuildTask Clean (Join-Path $scratch 'build.ps1')
            $run.ExitCode | Should -Be 0 -Because $run.Output
            foreach ($gone in 'out', 'src/A/bin', 'src/A/obj', 'tests/B/bin') {
                Test-Path (Join-Path $scratch $gone) | Should -BeFalse -Because "$gone is build output"
            }
            Test-Path (Join-Path $scratch 'src/A/A.cs') | Should -BeTrue
            Test-Path (Join-Path $scratch 'src/A/binder/B.cs') | Should -BeTrue
        }
        finally {
            Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'Help says that PlatyPS is missing and how to regenerate the MAML without it' {
        $run = Invoke-BuildTask Help
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'PlatyPS is not installed'
        $run.Output | Should -Match 'ISCSIDHCP_UPDATE_HELP=1'
    }

    It 'Demo brings the lab up, runs the cmdlets against it and takes it down' -Skip:(-not $IsLinux) {
        Assert-LabHost
        $routes = Get-HostRoute
        $run = Invoke-BuildTask Demo
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'Connect-IscsiTarget'
        $run.Output | Should -Match 'Bound'
        $run.Output | Should -Match 'removed run'
        Get-HostRoute | Should -Be $routes
    }
}
