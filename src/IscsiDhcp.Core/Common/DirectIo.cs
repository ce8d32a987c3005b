using System;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace IscsiDhcp.Common
{
    /// <summary>
    /// Writes that go from the caller's buffer to the disk without passing through the page
    /// cache (Linux O_DIRECT, switched on for an open handle with fcntl). A large copy into a
    /// file then costs no copy into the page cache, no dirty pages for the kernel to write back
    /// and little left for the closing fsync. Measured on this project's bench machine,
    /// `qemu-img convert` of a 512 MiB LUN to a file: 0.5 s with `-t none` (O_DIRECT) against
    /// 1.1-1.5 s with `-t writeback`, and about a quarter of the system time.
    /// Such writes must start at a file offset, from a memory address, and have a length that
    /// are all multiples of the device's logical block size: <see cref="Alignment"/> covers
    /// 512-byte and 4 KiB devices.
    /// </summary>
    public static class DirectIo
    {
        /// <summary>What offsets, addresses and lengths of direct writes are multiples of.</summary>
        public const int Alignment = 4096;

        const int F_GETFL = 3;
        const int F_SETFL = 4;

        /// <summary>
        /// Switches <paramref name="handle"/> to direct I/O; false where that is not available (not
        /// Linux, an architecture whose O_DIRECT value is not known here, or a file system that
        /// refuses it, such as tmpfs), and the handle stays as it was.
        /// </summary>
        public static bool TryEnable(SafeFileHandle handle)
        {
            if (handle is null) throw new ArgumentNullException(nameof(handle));
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return false;
            int direct;
            switch (RuntimeInformation.ProcessArchitecture)
            {
                case Architecture.X64:
                case Architecture.X86:
                    direct = 0x4000;   // 040000
                    break;
                case Architecture.Arm64:
                case Architecture.Arm:
                    direct = 0x10000;  // 0200000
                    break;
                default:
                    return false;
            }
            return FileDescriptor.Use(handle, direct, static (fd, direct) =>
            {
                var flags = fcntl(fd, F_GETFL, 0);
                return flags >= 0 && fcntl(fd, F_SETFL, flags | direct) == 0;
            });
        }

        /// <summary>
        /// Asks Linux to start reading the whole file into the page cache now, many requests at
        /// once (POSIX_FADV_WILLNEED), for a pass that reads back what direct writes left only on
        /// the disk: read one chunk at a time, -Verify of a 512 MiB copy took 1.5 s more than it had
        /// from the page cache. Does nothing where that is not available.
        /// </summary>
        public static void PrefetchWhole(SafeFileHandle handle)
        {
            if (handle is null) throw new ArgumentNullException(nameof(handle));
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || !Environment.Is64BitProcess) return;
            // Advice only: a failure leaves the reads as they would have been.
            _ = FileDescriptor.Use(handle, static fd => posix_fadvise(fd, 0, 0, PosixFadviseWillNeed));
        }

        const int PosixFadviseWillNeed = 3;

        [DllImport("libc")]
        static extern int posix_fadvise(int fd, long offset, long length, int advice);

        [DllImport("libc", SetLastError = true)]
        static extern int fcntl(int fd, int command, int argument);
    }
}
