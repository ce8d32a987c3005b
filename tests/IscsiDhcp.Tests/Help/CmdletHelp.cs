using System.Reflection;
using IscsiDhcp.Tests.ImportChecks;

namespace IscsiDhcp.Tests.Help;

/// <summary>One parameter as PowerShell would bind it: from its [Parameter] attributes, one per parameter set.</summary>
public sealed record ParameterHelp(string Name, string TypeName, bool IsSwitch, IReadOnlyList<ParameterInSet> Sets, bool Wildcards, string ElementTypeFullName = "")
{
    public bool AllSets => Sets.Count == 1 && Sets[0].Set == AllParameterSets;
    public const string AllParameterSets = "__AllParameterSets";

    /// <summary>"True (ByPropertyName, ByValue)" and friends, as PlatyPS writes it.</summary>
    public string PipelineInput
    {
        get
        {
            var kinds = new List<string>();
            if (Sets.Any(s => s.ByPropertyName)) kinds.Add("ByPropertyName");
            if (Sets.Any(s => s.ByValue)) kinds.Add("ByValue");
            return kinds.Count == 0 ? "False" : $"True ({string.Join(", ", kinds)})";
        }
    }
}

public sealed record ParameterInSet(string Set, bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

/// <summary>What the help of one cmdlet must say about its shape: parameter sets, parameters, outputs.</summary>
public sealed record CmdletHelp(string Name, IReadOnlyList<string> Sets, string? DefaultSet, IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<string> Outputs, bool SupportsShouldProcess)
{
    /// <summary>The parameters of a set (those in every set included), in the order PlatyPS writes syntax: positional first.</summary>
    public IEnumerable<(ParameterHelp Parameter, ParameterInSet Binding)> InSet(string set) =>
        Parameters
            .Select(p => (Parameter: p, Binding: p.Sets.FirstOrDefault(s => s.Set == set) ?? p.Sets.FirstOrDefault(s => s.Set == ParameterHelp.AllParameterSets)))
            .Where(x => x.Binding is not null)
            .Select(x => (x.Parameter, x.Binding!))
            .OrderBy(x => x.Item2.Position ?? int.MaxValue)
            .ThenBy(x => x.Item2.Mandatory ? 0 : 1);

    public static CmdletHelp From(CmdletInfo cmdlet)
    {
        var cmdletAttribute = cmdlet.Type.GetCustomAttributesData().Single(a => a.AttributeType.Name == "CmdletAttribute");
        var defaultSet = Named<string>(cmdletAttribute, "DefaultParameterSetName");
        var shouldProcess = Named<bool>(cmdletAttribute, "SupportsShouldProcess");
        var parameters = new List<ParameterHelp>();
        // Base classes' parameters first, as PowerShell lists them in declaration order per type.
        foreach (var property in cmdlet.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => Depth(p.DeclaringType!)).ThenBy(p => p.MetadataToken))
        {
            var bindings = property.GetCustomAttributesData().Where(a => a.AttributeType.Name == "ParameterAttribute").ToList();
            if (bindings.Count == 0) continue;
            var sets = bindings.Select(a => new ParameterInSet(
                Named<string>(a, "ParameterSetName") ?? ParameterHelp.AllParameterSets,
                Named<bool>(a, "Mandatory"),
                Named<int?>(a, "Position") is { } p && p >= 0 ? p : null,
                Named<bool>(a, "ValueFromPipeline"),
                Named<bool>(a, "ValueFromPipelineByPropertyName"))).ToList();
            var wildcards = property.GetCustomAttributesData().Any(a => a.AttributeType.Name == "SupportsWildcardsAttribute");
            var type = property.PropertyType;
            parameters.Add(new ParameterHelp(property.Name, TypeName(type), type.Name == "SwitchParameter", sets, wildcards, ElementType(type).FullName!));
        }
        var named = parameters.SelectMany(p => p.Sets).Select(s => s.Set).Where(s => s != ParameterHelp.AllParameterSets).Distinct().ToList();
        var allSets = named.Count == 0 ? new List<string> { ParameterHelp.AllParameterSets } : named;
        var outputs = cmdlet.Type.GetCustomAttributesData().Where(a => a.AttributeType.Name == "OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments.SelectMany(Types)).Select(t => t.FullName!).ToList();
        return new CmdletHelp(cmdlet.Name, allSets, defaultSet, parameters, outputs, shouldProcess);
    }

    static int Depth(Type type)
    {
        var depth = 0;
        for (var t = type; t is not null; t = t.BaseType) depth++;
        return depth;
    }

    static IEnumerable<Type> Types(CustomAttributeTypedArgument argument) =>
        argument.Value switch
        {
            Type t => [t],
            IEnumerable<CustomAttributeTypedArgument> many => many.Select(m => (Type)m.Value!),
            _ => [],
        };

    static T? Named<T>(CustomAttributeData attribute, string name)
    {
        var found = attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => a.TypedValue.Value).FirstOrDefault();
        return found is null ? default : (T)found;
    }

    static Type ElementType(Type type) =>
        type.IsArray ? ElementType(type.GetElementType()!)
        : type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0]
        : type;

    /// <summary>PowerShell's short type names: String, Int32[], IPAddress, PSCredential, Nullable`1 shown as its argument.</summary>
    public static string TypeName(Type type)
    {
        if (type.IsArray) return TypeName(type.GetElementType()!) + "[]";
        if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1") return TypeName(type.GetGenericArguments()[0]);
        return type.Name;
    }
}
