using System.Diagnostics;
using System.Text.Json;
using IscsiDhcp.Lab.Dhcp;
using IscsiDhcp.Lab.Tgtd;

namespace IscsiDhcp.Lab.Tests;

/// <summary>Nothing a lab run made outlives it: not after Dispose, not after SIGTERM, not after SIGKILL.</summary>
public sealed class LabCleanupTests
{
    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Asserts that no resource of the run is left on the machine.</summary>
    static void AssertNothingLeft(string runId, IReadOnlyList<LabResource> resources)
    {
        Assert.NotEmpty(resources);
        foreach (var r in resources)
        {
            switch (r.Kind)
            {
                case LabResourceKind.Process: Assert.False(ProcessIdentity.Parse(r.Value).IsAlive, $"{r} still runs"); break;
                case LabResourceKind.Netns: Assert.False(Network.NetnsExists(r.Value), $"{r} still exists"); break;
                case LabResourceKind.Link: Assert.False(Network.LinkExists(r.Value), $"{r} still exists"); break;
                case LabResourceKind.File: Assert.False(File.Exists(r.Value), $"{r} still exists"); break;
            }
        }
        Assert.False(Directory.Exists(Path.Combine(LabJanitor.Root, runId)), $"run folder {runId} still exists");
    }

    /// <summary>Asserts the run is up: its peers running (a start attempt that lost a port race leaves a dead entry) and its namespaces there.</summary>
    static void AssertAllPresent(IReadOnlyList<LabResource> resources, int peers)
    {
        Assert.Equal(peers, resources.Count(r => r.Kind == LabResourceKind.Process && ProcessIdentity.Parse(r.Value).IsAlive));
        Assert.All(resources.Where(r => r.Kind == LabResourceKind.Netns), r => Assert.True(Network.NetnsExists(r.Value)));
        Assert.All(resources.Where(r => r.Kind == LabResourceKind.Link), r => Assert.True(Network.LinkExists(r.Value)));
    }

    [Fact]
    public void Disposing_a_run_removes_everything_it_made()
    {
        var run = LabRun.Create();
        TgtdServer.Start(run).AddTarget(new TgtdTargetOptions { IncomingAccounts = [new ChapAccount("u", "secretsecret12")] });
        DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Dnsmasq });
        DhcpTestNetwork.Create(run, new DhcpNetworkOptions { Server = DhcpServerKind.Kea });
        var resources = run.Resources;
        AssertAllPresent(resources, peers: 3);

        run.Dispose();

        AssertNothingLeft(run.Id, resources);
    }

    [Fact]
    public void A_mount_left_inside_a_run_folder_is_taken_down_with_the_run()
    {
        // What a test killed in the middle of an nbdfuse or loop mount leaves: something mounted in the run folder.
        var run = LabRun.Create();
        var mountPoint = Path.Combine(run.Directory, "mnt");
        Directory.CreateDirectory(mountPoint);
        CommandRunner.Check("mount", "-t", "tmpfs", "-o", "size=1m", "lab-test", mountPoint);
        File.WriteAllText(Path.Combine(mountPoint, "file"), "x");

        run.Dispose();

        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains(mountPoint, StringComparison.Ordinal));
        Assert.False(Directory.Exists(run.Directory), "the run folder is still there");
    }

    /// <summary>Starts `lab hold` (the lab.sh code path) and returns once the lab is up.</summary>
    static (Process Process, LabSummary Summary) StartHold()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "IscsiDhcp.Lab.dll"));
        foreach (var a in new[] { "hold", "--dhcp", "kea" }) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        try
        {
            var stderr = process.StandardError.ReadLine();
            Assert.True(stderr is not null && stderr.Contains("is up", StringComparison.Ordinal), $"lab hold did not come up: {stderr}");
            // The summary JSON was printed before the "is up" line and ends with a closing brace.
            var json = new System.Text.StringBuilder();
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null)
            {
                json.AppendLine(line);
                if (line == "}") break;
            }
            return (process, JsonSerializer.Deserialize<LabSummary>(json.ToString(), Json)!);
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    [Fact]
    public void A_run_killed_halfway_is_removed_by_the_next_run()
    {
        var (process, summary) = StartHold();
        using (process)
        {
            var resources = LabJanitor.ReadJournal(summary.Id);
            process.Kill();          // SIGKILL: no chance to clean up
            process.WaitForExit();
            AssertAllPresent(resources, peers: 2);   // the peers outlive their owner...

            using (LabRun.Create()) { }   // ...until the next run reaps them

            AssertNothingLeft(summary.Id, resources);
        }
    }

    [Fact]
    public void A_run_interrupted_by_a_signal_removes_itself()
    {
        var (process, summary) = StartHold();
        using (process)
        {
            try
            {
                var resources = LabJanitor.ReadJournal(summary.Id);
                AssertAllPresent(resources, peers: 2);

                CommandRunner.Check("kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "lab hold did not exit on SIGTERM");

                Assert.Equal(0, process.ExitCode);
                AssertNothingLeft(summary.Id, resources);
            }
            finally
            {
                // A failed assertion must not leave the lab up; the next run reaps what remains.
                if (!process.HasExited) process.Kill();
            }
        }
    }

    [Fact]
    public void Lab_sh_brings_a_lab_up_reports_it_and_takes_it_down()
    {
        var script = Path.Combine(RepoRoot(), "tools", "lab.sh");
        // --owner: should this test host die before 'down', the next run reaps the lab.
        var up = CommandRunner.Run("bash", [script, "up", "--dhcp", "dnsmasq", "--chap", "alice:alice-secret-1",
            "--owner", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(3));
        Assert.True(up.Succeeded, up.ToString());
        var summary = JsonSerializer.Deserialize<LabSummary>(up.StandardOutput, Json)!;
        var resources = LabJanitor.ReadJournal(summary.Id);
        try
        {
            AssertAllPresent(resources, peers: 2);
            Assert.Equal("alice", summary.ChapUser);
            var inq = ReferenceClients.IscsiInq(ReferenceClients.IscsiUrl(summary.Portal, summary.TargetName, 1, "alice", "alice-secret-1"));
            Assert.True(inq.Succeeded, inq.ToString());

            var status = CommandRunner.Run("bash", [script, "status"], TimeSpan.FromMinutes(3));
            Assert.Contains($"run {summary.Id}: owner {ProcessIdentity.Current} (live)", status.StandardOutput);
            Assert.DoesNotContain("alice-secret-1", status.StandardOutput);   // the summary keeps no secrets
        }
        finally
        {
            var down = CommandRunner.Run("bash", [script, "down", summary.Id], TimeSpan.FromMinutes(3));
            Assert.True(down.Succeeded, down.ToString());
        }
        AssertNothingLeft(summary.Id, resources);
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IscsiDhcp.psd1"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
