using System;
using System.Runtime.InteropServices;

namespace IscsiDhcp.Common
{
    /// <summary>
    /// The file descriptor under a <see cref="SafeHandle"/>, held for one native call: the handle
    /// is referenced for the call, so a close on another thread meanwhile cannot hand its number
    /// to another file before the call is done.
    /// </summary>
    static class FileDescriptor
    {
        public static T Use<T>(SafeHandle handle, Func<int, T> call) => Use(handle, call, static (fd, c) => c(fd));

        /// <summary>As <see cref="Use{T}(SafeHandle, Func{int, T})"/>, with the call's state passed along (no closure on a hot path).</summary>
        public static T Use<TState, T>(SafeHandle handle, TState state, Func<int, TState, T> call)
        {
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                return call((int)handle.DangerousGetHandle(), state);
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }
    }
}
