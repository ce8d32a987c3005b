using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using IscsiDhcp.Common;

namespace IscsiDhcp.Nbd.Kernel
{
    /// <summary>
    /// The Linux kernel's NBD driver, reached through nbd-client (package nbd-client): attaches
    /// an export on a Unix socket to a free /dev/nbdN and detaches it again. The devices and
    /// their state are read from /sys/block/nbdN (a device whose pid file exists is in use).
    /// </summary>
    public sealed class NbdKernelDriver
    {
        readonly string sysBlock;
        readonly string nbdClient;

        public NbdKernelDriver(string sysBlock = "/sys/block", string nbdClient = "nbd-client")
        {
            this.sysBlock = sysBlock;
            this.nbdClient = nbdClient;
        }

        /// <summary>Why an export cannot be attached here, or null when it can.</summary>
        public string? Unavailable()
        {
            if (!OperatingSystemIsLinux()) return "block devices from NBD exports need Linux's NBD driver";
            if (!Devices().Any()) return $"the kernel's NBD driver is not loaded (no {sysBlock}/nbd*; 'modprobe nbd' loads it where the kernel has it)";
            if (!OnPath(nbdClient)) return $"{nbdClient} is not installed (on Debian: apt-get install nbd-client)";
            return null;
        }

        /// <summary>The NBD devices of the kernel, /dev/nbd0 first.</summary>
        public IEnumerable<string> Devices() =>
            Directory.Exists(sysBlock)
                ? Directory.GetDirectories(sysBlock, "nbd*").Select(Path.GetFileName).OrderBy(Number).Select(n => "/dev/" + n)
                : Enumerable.Empty<string>();

        /// <summary>Whether <paramref name="device"/> has an export attached (its /sys pid file exists).</summary>
        public bool IsAttached(string device) => File.Exists(Path.Combine(sysBlock, Path.GetFileName(device), "pid"));

        public string? FirstFree() => Devices().FirstOrDefault(d => !IsAttached(d));

        /// <summary>nbd-client -unix SOCKET DEVICE -name EXPORT [-readonly] -block-size N.</summary>
        public void Attach(string socketPath, string exportName, string device, uint blockSize, bool readOnly)
        {
            var arguments = new List<string> { "-unix", socketPath, device, "-name", exportName, "-block-size", blockSize.ToString(CultureInfo.InvariantCulture) };
            if (readOnly) arguments.Add("-readonly");
            Run(arguments);
        }

        /// <summary>nbd-client -d DEVICE.</summary>
        public void Detach(string device) => Run(new List<string> { "-d", device });

        void Run(IReadOnlyList<string> arguments)
        {
            var (exitCode, _, error) = HostTool.Run(nbdClient, arguments);
            if (exitCode != 0) throw new IOException($"{nbdClient} {string.Join(" ", arguments)} failed (exit {exitCode}): {error.Trim()}");
        }

        static int Number(string? name) => int.TryParse(name?.Substring(3), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;

        static bool OperatingSystemIsLinux() => System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux);

        static bool OnPath(string program) =>
            Path.IsPathRooted(program) ? File.Exists(program)
                : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));
    }
}
