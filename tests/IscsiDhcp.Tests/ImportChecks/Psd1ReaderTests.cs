namespace IscsiDhcp.Tests.ImportChecks;

public sealed class Psd1ReaderTests
{
    [Fact]
    public void Reads_the_restricted_language()
    {
        var table = Psd1Reader.Read("""
            # comment
            @{
                A = 'it''s'        <# block #>
                'B' = "q`"x"; C = @('x', 'y'
                    'z')
                D = 1, 2
                E = $true; F = $null
                G = @{ H = @() }
            }
            """);
        Assert.Equal("it's", table["a"]);
        Assert.Equal("q\"x", table["B"]);
        Assert.Equal(new List<object?> { "x", "y", "z" }, table["C"]);
        Assert.Equal(new List<object?> { 1L, 2L }, table["D"]);
        Assert.Equal(true, table["E"]);
        Assert.Null(table["F"]);
        Assert.Empty(Assert.IsType<List<object?>>(Assert.IsType<Dictionary<string, object?>>(table["G"])["H"]));
    }

    [Theory]
    [InlineData("@{ A = \"$env:X\" }")]      // expansion is not data
    [InlineData("@{ A = Get-Date }")]        // commands are not data
    [InlineData("@{ A = 1; A = 2 }")]        // PowerShell rejects duplicate keys
    [InlineData("@{ A = 'open }")]
    [InlineData("@{ A = 1 } extra")]
    public void Rejects_what_is_not_a_data_file(string text)
    {
        Assert.Throws<FormatException>(() => Psd1Reader.Read(text));
    }
}
