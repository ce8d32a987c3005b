namespace IscsiDhcp.Tests.ImportChecks;

/// <summary>Scripts that ship run in Windows PowerShell 5.1 as well as PowerShell 7.</summary>
public sealed class ShippedScriptTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(RepoPaths.Root, "*.*", SearchOption.AllDirectories)
                     .Where(p => p.EndsWith(".ps1", StringComparison.Ordinal) || p.EndsWith(".psm1", StringComparison.Ordinal) || p.EndsWith(".psd1", StringComparison.Ordinal))
                     .Where(p => !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal) && !p.Contains("/out/", StringComparison.Ordinal)))
            data.Add(Path.GetRelativePath(RepoPaths.Root, path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_uses_no_PowerShell_7_only_syntax(string relativePath)
    {
        Assert.Empty(PowerShell51Syntax.Violations(File.ReadAllText(Path.Combine(RepoPaths.Root, relativePath))));
    }

    [Fact]
    public void The_build_script_and_the_manifest_are_among_the_checked_scripts()
    {
        var scripts = Scripts().Select(static (object[] row) => (string)row[0]).ToList();
        Assert.Contains("build.ps1", scripts);
        Assert.Contains("IscsiDhcp.psd1", scripts);
    }

    [Theory]
    [InlineData("$a = $b ?? 'x'")]
    [InlineData("$a ??= 1")]
    [InlineData("dotnet build && dotnet test")]
    [InlineData("Test-Path x || exit 1")]
    [InlineData("$n = $ok ? 1 : 2")]
    [InlineData("${x}?.Length")]
    [InlineData("$list?[0]")]
    public void Detects_each_PowerShell_7_operator(string line)
    {
        Assert.NotEmpty(PowerShell51Syntax.Violations(line));
    }

    [Theory]
    [InlineData("Get-Item | ? { $_.Length -gt 1 }")]
    [InlineData("Write-Host 'a && b ?? c'")]
    [InlineData("Write-Host \"x `\" && y\"")]
    [InlineData("# $a ?? $b\n$c = 1")]
    [InlineData("<# a || b #> $c = 1")]
    [InlineData("$h = @'\na ? b : c\n'@")]
    [InlineData("if ($a -and $b) { $c = -not $d }")]
    public void Leaves_PowerShell_5_1_syntax_alone(string line)
    {
        Assert.Empty(PowerShell51Syntax.Violations(line));
    }
}
