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

    int outstanding;
    int mostOutstanding;

    /// <summary>The most commands the initiator had started and not yet been told the end of, since the last <see cref="ResetOutstanding"/>.</summary>
    public int MostOutstanding => Volatile.Read(ref mostOutstanding);

    public void ResetOutstanding() => Volatile.Write(ref mostOutstanding, Volatile.Read(ref outstanding));

    internal void CommandStarted()
    {
        var now = Interlocked.Increment(ref outstanding);
        int most;
        while (now > (most = Volatile.Read(ref mostOutstanding)) && Interlocked.CompareExchange(ref mostOutstanding, now, most) != most) { }
    }

    // Before the initiator is told: a serial initiator must never count as two.
    internal void CommandEnded() => Interlocked.Decrement(ref outstanding);
}
