using IscsiDhcp.Bench;

// dotnet run -c Release --project bench/IscsiDhcp.Bench -- <scenario> [options]
const string Usage = """
usage: IscsiDhcp.Bench <scenario> [options]
  iscsi-read | iscsi-write  --portal HOST:PORT --target IQN [--lun N] [--block-size BYTES]
                            [--queue-depth N] [--seconds S] [--random] [--supervised]
                            [--bytes N[K|M|G]] [--source FILE (iscsi-write)] [--flush]   (a fixed amount, timed to the end)
  agent-rpc                 --socket AGENT-SOCKET --portal HOST:PORT --target IQN [--rounds N] [--calls N] [--clients N]
  iscsi-recover             [--runs N] [--down-ms MS] [--nop-interval S] [--nop-timeout S]   (root: kills and restarts a lab tgtd)
  dhcp-dora                 --relay LOCAL-IPV4 --server SERVER-IPV4 [--clients N] [--seconds S]
  dhcp-memory               [--leases N]
""";

try
{
    return args.FirstOrDefault() switch
    {
        "iscsi-read" => await IscsiWorkload.RunAsync(write: false, new BenchOptions(args[1..])),
        "iscsi-write" => await IscsiWorkload.RunAsync(write: true, new BenchOptions(args[1..])),
        "agent-rpc" => await AgentRpcWorkload.RunAsync(new BenchOptions(args[1..])),
        "iscsi-recover" => await IscsiRecoverWorkload.RunAsync(new BenchOptions(args[1..])),
        "dhcp-dora" => await DhcpDoraWorkload.RunAsync(new BenchOptions(args[1..])),
        "dhcp-memory" => await DhcpMemoryWorkload.RunAsync(new BenchOptions(args[1..])),
        _ => Fail(Usage),
    };
}
catch (ArgumentException e)
{
    return Fail($"bench: {e.Message}\n{Usage}");
}

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}
