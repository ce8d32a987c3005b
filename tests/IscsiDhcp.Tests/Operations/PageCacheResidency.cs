using System.Runtime.InteropServices;

namespace IscsiDhcp.Tests.Operations;

/// <summary>
/// Which pages of a file the Linux page cache holds (mincore over a mapping that is never
/// touched, so looking does not bring anything in): what shows that a write went around it.
/// </summary>
public static class PageCacheResidency
{
    const int ProtRead = 1, MapShared = 1;

    /// <summary>How many of the pages of [<paramref name="offset"/>, +<paramref name="length"/>) of the file are cached; offset page-aligned.</summary>
    public static int ResidentPages(string path, long offset, long length)
    {
        var page = Environment.SystemPageSize;
        using var handle = File.OpenHandle(path);
        var address = mmap(IntPtr.Zero, (nuint)length, ProtRead, MapShared, (int)handle.DangerousGetHandle(), offset);
        if (address == new IntPtr(-1)) throw new IOException($"mmap of {path} failed, errno {Marshal.GetLastPInvokeError()}");
        try
        {
            var vector = new byte[(length + page - 1) / page];
            if (mincore(address, (nuint)length, vector) != 0) throw new IOException($"mincore of {path} failed, errno {Marshal.GetLastPInvokeError()}");
            return vector.Count(v => (v & 1) != 0);
        }
        finally
        {
            _ = munmap(address, (nuint)length);
        }
    }

    [DllImport("libc", SetLastError = true)]
    static extern IntPtr mmap(IntPtr address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", SetLastError = true)]
    static extern int munmap(IntPtr address, nuint length);

    [DllImport("libc", SetLastError = true)]
    static extern int mincore(IntPtr address, nuint length, byte[] vector);
}
