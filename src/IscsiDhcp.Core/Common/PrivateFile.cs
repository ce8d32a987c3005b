using System;
using System.IO;
using System.Runtime.InteropServices;

namespace IscsiDhcp.Common
{
    /// <summary>
    /// Files only their owner may read (0600): leases, target portals and persistent sessions
    /// with their CHAP secrets. Written whole through a temporary file that is private before
    /// anything is written to it, then renamed, so a reader never sees half a file and the
    /// secret is never readable by others, not even for a moment.
    /// </summary>
    public static class PrivateFile
    {
        public static void WriteAllBytes(string path, byte[] content)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(directory);
            var temporary = path + ".tmp";
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                RestrictToOwner(temporary);
                file.Write(content, 0, content.Length);
                file.Flush(flushToDisk: true);
            }
            if (File.Exists(path)) File.Replace(temporary, path, null);
            else File.Move(temporary, path);
        }

        /// <summary>Makes a file (or, with 0700, a directory) its owner's only.</summary>
        public static void RestrictToOwner(string path, bool directory = false)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;   // ProgramData ACLs are set by the installer
            if (chmod(path, Convert.ToUInt32(directory ? "700" : "600", 8)) != 0)
                throw new IOException($"cannot make {path} private (chmod failed, errno {Marshal.GetLastWin32Error()})");
        }

        /// <summary>Sets a path's mode bits (the agent's socket must be reachable by every local user).</summary>
        public static void SetMode(string path, uint mode)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
            if (chmod(path, mode) != 0) throw new IOException($"cannot set the mode of {path} (chmod failed, errno {Marshal.GetLastWin32Error()})");
        }

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        static extern int chmod([MarshalAs(UnmanagedType.LPStr)] string path, uint mode);
    }
}
