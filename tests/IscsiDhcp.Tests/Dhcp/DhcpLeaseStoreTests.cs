using System.Net;
using IscsiDhcp.Dhcp.Client;
using IscsiDhcp.Dhcp.Wire;

namespace IscsiDhcp.Tests.Dhcp;

public sealed class DhcpLeaseStoreTests : IDisposable
{
    readonly string directory = Path.Combine(Path.GetTempPath(), "leases-" + Guid.NewGuid().ToString("N"));
    readonly List<string> warnings = [];
    static readonly byte[] ClientId = [1, 2, 0, 0, 0, 0, 9];
    static readonly DateTimeOffset T0 = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    static DhcpMessage Ack(uint lease, string domain)
    {
        var m = new DhcpMessage { Op = DhcpMessage.BootReply, TransactionId = 1, YourAddress = IPAddress.Parse("198.18.9.9") };
        m.Set(DhcpOptionCode.MessageType, [5]).Set(DhcpOptionCode.ServerIdentifier, [198, 18, 9, 1])
         .Set(DhcpOptionCode.LeaseTime, [(byte)(lease >> 24), (byte)(lease >> 16), (byte)(lease >> 8), (byte)lease]);
        if (domain.Length > 0) m.Set(DhcpOptionCode.DomainName, System.Text.Encoding.ASCII.GetBytes(domain));
        return m;
    }

    [Fact]
    public void A_saved_lease_loads_with_both_ACKs_times_and_private_mode()
    {
        var store = new DhcpLeaseStore(directory, warnings.Add);
        var original = DhcpLease.FromAck(Ack(3600, "first.example"), T0);
        var renewed = DhcpLease.FromAck(Ack(3600, ""), T0.AddMinutes(30), original);
        store.Save("eth0", ClientId, renewed);

        var loaded = store.Load("eth0", ClientId, T0.AddMinutes(31))!;
        Assert.Equal(IPAddress.Parse("198.18.9.9"), loaded.Address);
        Assert.Equal(renewed.ExpiresAt, loaded.ExpiresAt);
        Assert.Equal("first.example", loaded.DomainName);   // only in the original ACK
        Assert.Empty(warnings);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.PathOf("eth0", ClientId)));
        Assert.False(File.Exists(store.PathOf("eth0", ClientId) + ".tmp"));

        store.Save("eth0", ClientId, original);   // overwrite in place
        Assert.Equal(original.ExpiresAt, store.Load("eth0", ClientId, T0)!.ExpiresAt);
    }

    [Fact]
    public void Expired_and_corrupt_files_are_ignored_with_a_warning()
    {
        var store = new DhcpLeaseStore(directory, warnings.Add);
        store.Save("eth0", ClientId, DhcpLease.FromAck(Ack(60, ""), T0));
        Assert.Null(store.Load("eth0", ClientId, T0.AddMinutes(5)));
        Assert.Contains("expired", Assert.Single(warnings));

        File.WriteAllText(store.PathOf("eth1", ClientId), "IscsiDhcp lease 1\nnot a date\n!!\n!!\n");
        Assert.Null(store.Load("eth1", ClientId, T0));
        Assert.Contains("unreadable", warnings[1]);
        Assert.Null(store.Load("eth2", ClientId, T0));   // none stored: no warning
        Assert.Equal(2, warnings.Count);
    }

    [Fact]
    public void Interface_names_that_are_not_file_names_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new DhcpLeaseStore(directory).PathOf("../etc/passwd\0", ClientId));
    }
}
