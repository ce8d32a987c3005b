using IscsiDhcp.Common;

namespace IscsiDhcp.Tests.Operations;

public sealed class GlobPatternTests
{
    [Theory]
    [InlineData("iqn.*:disk1", "iqn.2004-05.com.example:disk1", true)]
    [InlineData("iqn.*:disk1", "iqn.2004-05.com.example:disk10", false)]
    [InlineData("ETH?", "eth1", true)]
    [InlineData("eth[0-2]", "eth3", false)]
    [InlineData("eth[0-2]", "eth2", true)]
    [InlineData("a`*b", "a*b", true)]
    [InlineData("a`*b", "axb", false)]
    [InlineData("a.b", "axb", false)]
    [InlineData("[unclosed", "[unclosed", true)]
    public void Wildcards_match_as_in_PowerShell(string pattern, string text, bool matches) =>
        Assert.Equal(matches, new GlobPattern(pattern).IsMatch(text));

    [Theory]
    [InlineData("eth0", false)]
    [InlineData("eth*", true)]
    [InlineData("eth?", true)]
    [InlineData("eth[01]", true)]
    public void A_name_knows_whether_it_has_wildcards(string pattern, bool has) => Assert.Equal(has, GlobPattern.HasWildcards(pattern));
}
