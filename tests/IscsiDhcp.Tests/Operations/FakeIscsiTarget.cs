namespace IscsiDhcp.Tests.Operations;

/// <summary>A fake target: its LUNs in RAM, how it answers a login, and a look at each command it runs.</summary>
public sealed class FakeIscsiTarget
{
    public FakeIscsiTarget(string name, long[] lunSizes)
    {
        Name = name;
        Luns[0] = new FakeLun(0, 0x0C, 0, name);
        for (var i = 0; i < lunSizes.Length; i++) Luns[i + 1] = new FakeLun(i + 1, 0x00, lunSizes[i], name);
    }

    public string Name { get; }
    public Dictionary<int, FakeLun> Luns { get; } = new();
    public FakeLoginBehaviour Login { get; set; } = FakeLoginBehaviour.Accept;
    /// <summary>Called before each command runs, with its LUN and opcode (a test may cancel from here).</summary>
    public Action<int, byte>? BeforeCommand { get; set; }
}
