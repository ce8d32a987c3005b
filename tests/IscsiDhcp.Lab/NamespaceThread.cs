using System.Runtime.InteropServices;

namespace IscsiDhcp.Lab;

/// <summary>
/// Runs code inside a network namespace of the lab, in this process: a thread of its own
/// joins the namespace (setns affects only the calling thread), runs the code and ends. A
/// socket made there stays in that namespace, so a test can send and receive as another host
/// on a test network without starting a program for it.
/// </summary>
public static class NamespaceThread
{
    const int CloneNewNet = 0x40000000;

    public static T Run<T>(string netns, Func<T> code)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (var handle = File.OpenHandle($"/run/netns/{netns}"))
                    if (setns(handle.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                        throw new IOException($"setns into {netns} failed: errno {Marshal.GetLastPInvokeError()}");
                result = code();
            }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true, Name = $"in netns {netns}" };
        thread.Start();
        thread.Join();
        if (failure is not null) throw new LabException($"running in namespace {netns} failed: {failure.Message}", failure);
        return result;
    }

    [DllImport("libc", SetLastError = true)]
    static extern int setns(int fd, int nstype);
}
