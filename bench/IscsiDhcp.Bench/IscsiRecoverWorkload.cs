using System.Diagnostics;
using System.Text.Json;
using IscsiDhcp.Iscsi.Login;
using IscsiDhcp.Iscsi.Supervisor;
using IscsiDhcp.Iscsi.Text;
using IscsiDhcp.Lab;
using IscsiDhcp.Lab.Tgtd;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Bench;

/// <summary>
/// iscsi-recover: a supervised session reading 4 KiB blocks without pause while its tgtd
/// (the lab's own, so this needs root) is killed and, --down-ms later, restarted on the same
/// port and backing file. Reports the time from the kill to the first read that completes
/// after the restart, and from the restart to that read, as medians over --runs runs.
/// </summary>
public static class IscsiRecoverWorkload
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var runs = options.Number("runs", 5);
        var down = TimeSpan.FromMilliseconds(options.Number("down-ms", 1000));
        var supervision = new IscsiSupervisorOptions
        {
            NopInterval = TimeSpan.FromSeconds(options.Number("nop-interval", 5)),
            NopTimeout = TimeSpan.FromSeconds(options.Number("nop-timeout", 5)),
        };

        using var lab = LabRun.Create();
        var tgtd = TgtdServer.Start(lab);
        var target = tgtd.AddTarget(new TgtdTargetOptions { LunSizes = [16L << 20] });
        var settings = new LoginSettings { TargetName = target.Name, InitiatorName = "iqn.2026-11.org.iscsidhcp:bench" };
        var killToIo = new List<double>();
        var restartToIo = new List<double>();
        var time2Wait = 0;
        for (var run = 0; run < runs; run++)
        {
            using var supervisor = await IscsiSessionSupervisor.LogInAsync(new TargetAddress(tgtd.PortalAddress, tgtd.PortalPort), settings, options: supervision);
            time2Wait = supervisor.GetStatus().Parameters!.DefaultTime2Wait;
            var lun = new ScsiDevice(supervisor, 1);
            long restartedAt = 0;
            var firstAfterRestart = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var stop = new CancellationTokenSource();
            var reader = Task.Run(async () =>
            {
                var buffer = new byte[4096];
                while (!stop.IsCancellationRequested)
                {
                    await lun.ReadAsync(0, buffer, 512);
                    var now = Stopwatch.GetTimestamp();
                    var restart = Volatile.Read(ref restartedAt);
                    if (restart != 0 && now > restart) firstAfterRestart.TrySetResult(now);
                }
            });
            await Task.Delay(500);
            var killed = Stopwatch.GetTimestamp();
            tgtd.Kill();
            await Task.Delay(down);
            tgtd.Restart();
            Volatile.Write(ref restartedAt, Stopwatch.GetTimestamp());
            var recovered = await firstAfterRestart.Task.WaitAsync(TimeSpan.FromSeconds(60));
            killToIo.Add(Stopwatch.GetElapsedTime(killed, recovered).TotalMilliseconds);
            restartToIo.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref restartedAt), recovered).TotalMilliseconds);
            await stop.CancelAsync();
            await reader;
            await supervisor.DisconnectAsync();
        }

        var result = new
        {
            scenario = "iscsi-recover",
            runs,
            downMs = down.TotalMilliseconds,
            defaultTime2WaitSeconds = time2Wait,
            killToFirstIoMsMedian = Math.Round(Median(killToIo), 1),
            restartToFirstIoMsMedian = Math.Round(Median(restartToIo), 1),
            killToFirstIoMs = killToIo.Select(v => Math.Round(v, 1)),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
