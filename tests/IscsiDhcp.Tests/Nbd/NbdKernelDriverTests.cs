using IscsiDhcp.Nbd.Kernel;

namespace IscsiDhcp.Tests.Nbd;

/// <summary>
/// Mount-IscsiLun's way to the kernel, on a /sys/block of the test's own and an nbd-client
/// that records how it was called: which device is free, what nbd-client is told, and what a
/// failing nbd-client says. (These machines have no NBD driver; the real attach is not run.)
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NbdKernelDriverTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("nbd-driver-").FullName;
    readonly string sysBlock;
    readonly string calls;
    readonly string client;

    public NbdKernelDriverTests()
    {
        sysBlock = Path.Combine(root, "block");
        calls = Path.Combine(root, "calls");
        client = Path.Combine(root, "nbd-client");
        File.WriteAllText(client, $"#!/bin/sh\necho \"$@\" >> '{calls}'\nif [ \"$1\" = -d ] && [ \"$2\" = /dev/nbd9 ]; then echo 'nbd9: no such device' >&2; exit 1; fi\n");
        File.SetUnixFileMode(client, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    void Device(string name, bool attached)
    {
        Directory.CreateDirectory(Path.Combine(sysBlock, name));
        if (attached) File.WriteAllText(Path.Combine(sysBlock, name, "pid"), "1234\n");
    }

    [Fact]
    public void Without_nbd_devices_it_says_the_driver_is_not_loaded()
    {
        var driver = new NbdKernelDriver(sysBlock, client);
        Assert.Contains("NBD driver is not loaded", driver.Unavailable());
        Assert.Empty(driver.Devices());
        Assert.Null(driver.FirstFree());
    }

    [Fact]
    public void Without_nbd_client_it_says_what_to_install()
    {
        Device("nbd0", attached: false);
        Assert.Contains("apt-get install nbd-client", new NbdKernelDriver(sysBlock, Path.Combine(root, "missing-nbd-client")).Unavailable());
    }

    [Fact]
    public void Attach_takes_the_first_free_device_in_number_order_and_tells_nbd_client_the_socket_export_and_block_size()
    {
        Device("nbd10", attached: false);
        Device("nbd0", attached: true);
        Device("nbd2", attached: false);
        Device("nbd1", attached: true);
        var driver = new NbdKernelDriver(sysBlock, client);
        Assert.Null(driver.Unavailable());
        Assert.Equal(["/dev/nbd0", "/dev/nbd1", "/dev/nbd2", "/dev/nbd10"], driver.Devices());
        var free = driver.FirstFree();
        Assert.Equal("/dev/nbd2", free);
        driver.Attach("/run/iscsidhcp/nbd.sock", "iqn.2026-11.lab:disk1/1", free!, 512, readOnly: true);
        Assert.Equal("-unix /run/iscsidhcp/nbd.sock /dev/nbd2 -name iqn.2026-11.lab:disk1/1 -block-size 512 -readonly", File.ReadAllText(calls).Trim());
        Assert.True(driver.IsAttached("/dev/nbd0"));
        Assert.False(driver.IsAttached("/dev/nbd2"));
    }

    [Fact]
    public void A_failing_nbd_client_is_an_error_with_what_it_said()
    {
        Device("nbd9", attached: true);
        var failed = Assert.Throws<IOException>(() => new NbdKernelDriver(sysBlock, client).Detach("/dev/nbd9"));
        Assert.Contains("nbd9: no such device", failed.Message);
        Assert.Contains("exit 1", failed.Message);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
