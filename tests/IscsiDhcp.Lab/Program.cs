using System.Globalization;
using System.Runtime.InteropServices;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Dhcp;
using IscsiDhcp.Lab.Tgtd;

// The command behind tools/lab.sh. It drives the same classes the xunit fixtures use.
const string Usage = """
usage: lab.sh COMMAND [OPTIONS]
  up      bring a lab up and leave it running; prints its summary as JSON
  hold    bring a lab up, print its summary, keep it until SIGINT/SIGTERM, then remove it
  status  list lab runs, their owners and whether their peers are alive
  down    remove the runs 'up' left without --owner (or one run: down ID), and any orphaned run
options of up and hold:
  --owner PID          (up) keep the lab while process PID lives, not until 'down'

  --luns N             LUNs on the target (1)
  --lun-size SIZE      bytes, or with K, M, G suffix (64M)
  --chap USER:SECRET   CHAP account the target demands
  --mutual-chap USER:SECRET   account the target answers with (mutual CHAP)
  --dhcp dnsmasq|kea|none     DHCP server of the test network (dnsmasq)
  --lease-time SECONDS lease time of the DHCP network (120)
  --conflict-host N    another host holds .N statically; the server reserves .N for the client
  --range FIRST-LAST   host numbers of the DHCP pool (10-50)
""";

using var cancel = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;   // we tear down ourselves, then exit
    cancel.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

try
{
    return args.FirstOrDefault() switch
    {
        "up" => Up(args[1..], keep: true),
        "hold" => Up(args[1..], keep: false),
        "status" => Status(),
        "down" => Down(args.Length > 1 ? args[1] : null),
        _ => Fail(Usage, 2),
    };
}
catch (ArgumentException e)
{
    return Fail($"lab: {e.Message}\n\n{Usage}", 2);
}
catch (LabException e)
{
    return Fail($"lab: {e.Message}", 1);
}

int Up(string[] options, bool keep)
{
    var owner = TakeOwner(ref options, keep);
    var spec = ParseSpec(options);
    var run = LabRun.Create();
    try
    {
        var lab = LabEnvironment.Up(run, spec, cancel.Token);
        Console.WriteLine(File.ReadAllText(Path.Combine(run.Directory, "lab.json")));
        if (keep)
        {
            run.HandOver(owner);
            return 0;
        }
        Console.Error.WriteLine($"lab {run.Id} is up; SIGINT or SIGTERM removes it");
        cancel.Token.WaitHandle.WaitOne();
        run.Dispose();
        Console.Error.WriteLine($"lab {run.Id} removed");
        return 0;
    }
    catch (OperationCanceledException)
    {
        run.Dispose();
        Console.Error.WriteLine($"lab: interrupted; run {run.Id} removed");
        return 130;
    }
    catch
    {
        run.Dispose();
        throw;
    }
}

int Status()
{
    var ids = LabJanitor.RunIds();
    if (ids.Count == 0) Console.WriteLine($"no lab runs in {LabJanitor.Root}");
    foreach (var id in ids)
    {
        var owner = File.Exists(Path.Combine(LabJanitor.Root, id, "owner"))
            ? File.ReadAllText(Path.Combine(LabJanitor.Root, id, "owner")).Trim() : "none";
        Console.WriteLine($"run {id}: owner {owner} ({(LabJanitor.IsOwned(id) ? "live" : "orphaned")})");
        foreach (var r in LabJanitor.ReadJournal(id))
        {
            var state = r.Kind switch
            {
                LabResourceKind.Process => ProcessIdentity.Parse(r.Value).IsAlive ? "running" : "gone",
                LabResourceKind.Netns => Network.NetnsExists(r.Value) ? "present" : "gone",
                LabResourceKind.Link => Network.LinkExists(r.Value) ? "present" : "gone",
                LabResourceKind.File => File.Exists(r.Value) ? "present" : "gone",
                _ => "reserved",
            };
            Console.WriteLine($"  {r,-60} {state}");
        }
        var summary = Path.Combine(LabJanitor.Root, id, "lab.json");
        if (File.Exists(summary)) Console.WriteLine(File.ReadAllText(summary));
    }
    return 0;
}

int Down(string? id)
{
    using (LabJanitor.Lock())
    {
        foreach (var reaped in LabJanitor.ReapOrphans()) Console.WriteLine($"removed orphaned run {reaped}");
        var runs = id is not null
            ? LabJanitor.RunIds().Where(r => r == id).ToList()
            : LabJanitor.RunIds().Where(r => File.ReadAllText(Path.Combine(LabJanitor.Root, r, "owner")).Trim() == "kept").ToList();
        if (id is not null && runs.Count == 0) throw new LabException($"no lab run '{id}' in {LabJanitor.Root}");
        foreach (var r in runs)
        {
            LabJanitor.TearDown(r);
            Console.WriteLine($"removed run {r}");
        }
    }
    return 0;
}

// --owner PID: the run belongs to that process instead of being kept until 'down'.
static ProcessIdentity? TakeOwner(ref string[] options, bool keep)
{
    var at = Array.IndexOf(options, "--owner");
    if (at < 0) return null;
    if (!keep) throw new ArgumentException("--owner goes with up; hold owns its run itself");
    if (at + 1 >= options.Length || !int.TryParse(options[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        throw new ArgumentException("--owner takes a process id");
    var owner = ProcessIdentity.Of(pid) ?? throw new ArgumentException($"--owner {pid}: no such process");
    options = [.. options[..at], .. options[(at + 2)..]];
    return owner;
}

static LabSpec ParseSpec(string[] options)
{
    var spec = new LabSpec();
    for (var i = 0; i < options.Length; i++)
    {
        string Value() => i + 1 < options.Length ? options[++i] : throw new ArgumentException($"{options[i]} needs a value");
        spec = options[i] switch
        {
            "--luns" => spec with { LunCount = ParseInt(options[i], Value()) },
            "--lun-size" => spec with { LunSize = ParseSize(Value()) },
            "--chap" => spec with { Chap = ParseAccount(options[i], Value()) },
            "--mutual-chap" => spec with { MutualChap = ParseAccount(options[i], Value()) },
            "--dhcp" => spec with
            {
                Dhcp = Value() switch
                {
                    "dnsmasq" => DhcpServerKind.Dnsmasq,
                    "kea" => DhcpServerKind.Kea,
                    "none" => null,
                    var other => throw new ArgumentException($"--dhcp takes dnsmasq, kea or none, not '{other}'"),
                },
            },
            "--lease-time" => spec with { LeaseTime = TimeSpan.FromSeconds(ParseInt(options[i], Value())) },
            "--range" => Value().Split('-') is [var first, var last]
                ? spec with { RangeFirst = ParseInt("--range", first), RangeLast = ParseInt("--range", last) }
                : throw new ArgumentException("--range takes FIRST-LAST, like 10-250"),
            "--conflict-host" => spec with { ConflictHost = ParseInt(options[i], Value()) },
            var other => throw new ArgumentException($"unknown option '{other}'"),
        };
    }
    return spec;
}

static int ParseInt(string option, string text) =>
    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
        ? n : throw new ArgumentException($"{option} takes a positive whole number, not '{text}'");

static long ParseSize(string text)
{
    var shift = char.ToUpperInvariant(text.LastOrDefault()) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
    var digits = shift == 0 ? text : text[..^1];
    return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n < (1L << (62 - shift))
        ? n << shift : throw new ArgumentException($"--lun-size takes bytes or a size like 64M, not '{text}'");
}

static ChapAccount ParseAccount(string option, string text)
{
    var colon = text.IndexOf(':');
    return colon > 0 && colon < text.Length - 1
        ? new ChapAccount(text[..colon], text[(colon + 1)..])
        : throw new ArgumentException($"{option} takes USER:SECRET");
}

static int Fail(string message, int code)
{
    Console.Error.WriteLine(message);
    return code;
}
