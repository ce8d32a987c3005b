using System;
using System.IO;
using System.IO.Pipes;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Common;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// A Unix socket every local user may connect to (0666, its directory 0755), accepted through
    /// netstandard2.0's NamedPipeServerStream, which listens on a Unix socket when given a rooted
    /// path. Each accepted connection goes to a handler of its own; who the peer is, the handler
    /// asks the kernel (<see cref="PeerCredentials"/>). The agent's IPC socket and its NBD socket both use it.
    /// </summary>
    sealed class LocalSocketListener : IDisposable
    {
        readonly Func<NamedPipeServerStream, Task> serve;
        readonly CancellationTokenSource stopping = new();
        NamedPipeServerStream? anchor;
        Task accepting = Task.CompletedTask;

        public LocalSocketListener(string socketPath, Func<NamedPipeServerStream, Task> serve)
        {
            SocketPath = socketPath;
            this.serve = serve;
        }

        public string SocketPath { get; }
        public CancellationToken Stopping => stopping.Token;

        /// <summary>
        /// Listens. The caller holds the agent's lock, so a socket file already there is a dead
        /// agent's and is replaced.
        /// </summary>
        public void Start()
        {
            var directory = Path.GetDirectoryName(SocketPath)!;
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory);
                PrivateFile.SetMode(directory, Convert.ToUInt32("755", 8));
            }
            if (File.Exists(SocketPath)) File.Delete(SocketPath);
            // The first instance makes the socket file and keeps it for the listener's life; the
            // others take turns accepting on it.
            anchor = NewInstance();
            PrivateFile.SetMode(SocketPath, Convert.ToUInt32("666", 8));
            accepting = AcceptLoopAsync();
        }

        NamedPipeServerStream NewInstance() =>
            new(SocketPath, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances, PipeTransmissionMode.Byte, PipeOptions.Asynchronous);

        async Task AcceptLoopAsync()
        {
            while (!stopping.IsCancellationRequested)
            {
                var pipe = NewInstance();
                try
                {
                    await pipe.WaitForConnectionAsync(stopping.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
                {
                    pipe.Dispose();
                    if (stopping.IsCancellationRequested) return;
                    continue;
                }
                _ = Task.Run(() => serve(pipe));
            }
        }

        /// <summary>Stops accepting and removes the socket file; connections already accepted are their handlers' to end (<see cref="Stopping"/> tells them).</summary>
        public void Dispose()
        {
            if (stopping.IsCancellationRequested) return;
            stopping.Cancel();
            anchor?.Dispose();
            try { accepting.Wait(TimeSpan.FromSeconds(5)); }
            catch (AggregateException) { }
            try { if (File.Exists(SocketPath)) File.Delete(SocketPath); }
            catch (IOException) { }
        }
    }
}
