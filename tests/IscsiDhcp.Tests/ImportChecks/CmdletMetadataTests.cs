using System.Reflection;
using IscsiDhcp.Operations;
using IscsiDhcp.Tests.Help;

namespace IscsiDhcp.Tests.ImportChecks;

/// <summary>What PowerShell would find wrong with the cmdlets on import or at the first call, checked on the assembly's metadata.</summary>
public sealed class CmdletMetadataTests : IDisposable
{
    readonly ModuleMetadata metadata = new();

    public void Dispose() => metadata.Dispose();

    CmdletHelp Cmdlet(string name) => CmdletHelp.From(metadata.Cmdlets().Single(c => c.Name == name));

    [Fact]
    public void Parameter_sets_are_valid_and_never_ambiguous()
    {
        foreach (var cmdlet in metadata.Cmdlets().Select(CmdletHelp.From))
        {
            if (cmdlet.DefaultSet is { } defaultSet) Assert.Contains(defaultSet, cmdlet.Sets);
            else Assert.True(cmdlet.Sets.Count == 1, $"{cmdlet.Name} has {cmdlet.Sets.Count} parameter sets and no default");
            foreach (var set in cmdlet.Sets)
            {
                var positions = cmdlet.InSet(set).Where(x => x.Binding.Position is not null).Select(x => x.Binding.Position).ToList();
                Assert.True(positions.Distinct().Count() == positions.Count, $"{cmdlet.Name} ({set}): two parameters at one position");
                if (cmdlet.Sets.Count > 1 && set != cmdlet.DefaultSet)
                    Assert.True(cmdlet.Parameters.Any(p => p.Sets.Any(s => s.Set == set && s.Mandatory) && p.Sets.All(s => s.Set == set)),
                        $"{cmdlet.Name}: set {set} has no mandatory parameter of its own, so PowerShell could not tell it from the others");
            }
        }
    }

    [Theory]
    [InlineData("Connect-IscsiTarget")]
    [InlineData("Disconnect-IscsiTarget")]
    [InlineData("Copy-IscsiLun")]
    [InlineData("Measure-IscsiLun")]
    [InlineData("Start-DhcpLease")]
    [InlineData("Update-DhcpLease")]
    [InlineData("Stop-DhcpLease")]
    public void Cmdlets_that_change_state_support_WhatIf_and_Confirm(string name) => Assert.True(Cmdlet(name).SupportsShouldProcess, name);

    [Theory]
    [InlineData("Get-IscsiSession")]
    [InlineData("Get-IscsiLun")]
    [InlineData("Get-DhcpLease")]
    [InlineData("Test-DhcpLease")]
    [InlineData("Get-DhcpOption")]
    [InlineData("Find-IscsiTarget")]
    [InlineData("Open-IscsiLun")]
    public void Cmdlets_that_only_read_do_not_ask(string name) => Assert.False(Cmdlet(name).SupportsShouldProcess, name);

    [Theory]
    [InlineData("Connect-IscsiTarget", "NodeAddress", "ByPropertyName")]
    [InlineData("Connect-IscsiTarget", "TargetPortalAddress", "ByPropertyName")]
    [InlineData("Connect-IscsiTarget", "TargetPortalPortNumber", "ByPropertyName")]
    [InlineData("Disconnect-IscsiTarget", "InputObject", "ByValue")]
    [InlineData("Disconnect-IscsiTarget", "SessionIdentifier", "ByPropertyName")]
    [InlineData("Get-IscsiLun", "InputObject", "ByValue")]
    [InlineData("Open-IscsiLun", "Lun", "ByPropertyName")]
    [InlineData("Copy-IscsiLun", "Lun", "ByPropertyName")]
    [InlineData("Measure-IscsiLun", "SessionIdentifier", "ByPropertyName")]
    [InlineData("Get-DhcpLease", "InterfaceName", "ByPropertyName")]
    [InlineData("Update-DhcpLease", "ClientId", "ByPropertyName")]
    [InlineData("Stop-DhcpLease", "InterfaceName", "ByPropertyName")]
    [InlineData("Test-DhcpLease", "InterfaceName", "ByPropertyName")]
    [InlineData("Get-DhcpOption", "InterfaceName", "ByPropertyName")]
    public void Pipelines_bind_where_the_cmdlets_promise(string name, string parameter, string how) =>
        Assert.Contains(how, Cmdlet(name).Parameters.Single(p => p.Name == parameter).PipelineInput);

    [Fact]
    public void Every_error_kind_is_a_PowerShell_error_category()
    {
        var categories = metadata.PowerShell.GetType("System.Management.Automation.ErrorCategory")!.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToHashSet();
        Assert.All(Enum.GetNames<ErrorKind>(), kind => Assert.Contains(kind, categories));
    }

    [Fact]
    public void Secrets_come_only_as_PSCredential()
    {
        foreach (var cmdlet in metadata.Cmdlets().Select(CmdletHelp.From))
        foreach (var parameter in cmdlet.Parameters)
        {
            if (parameter.Name.EndsWith("Credential", StringComparison.Ordinal)) Assert.Equal("PSCredential", parameter.TypeName);
            Assert.False(parameter.Name.Contains("Secret", StringComparison.OrdinalIgnoreCase) || parameter.Name.Contains("Password", StringComparison.OrdinalIgnoreCase),
                $"{cmdlet.Name} -{parameter.Name}: a secret as a plain parameter");
        }
    }

    [Fact]
    public void Every_cmdlet_runs_a_Core_operation_through_the_host_bridge()
    {
        foreach (var cmdlet in metadata.Cmdlets())
        {
            var bases = new List<string>();
            for (var t = cmdlet.Type.BaseType; t is not null; t = t.BaseType) bases.Add(t.Name);
            Assert.Contains("OperationCmdlet", bases);
        }
    }
}
