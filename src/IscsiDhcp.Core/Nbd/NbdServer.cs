using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// Serves the exports of a catalog over connections someone else accepted (the agent's Unix
    /// socket, a test's listener): the fixed newstyle handshake, then requests, several in flight
    /// per connection and replied to as they finish. What a client sends never throws out of
    /// here: bad requests get the NBD error the protocol names, and a client that breaks the
    /// framing (bad magic, unknown client flags, an oversize payload) is disconnected and counted.
    /// </summary>
    public sealed class NbdServer
    {
        public NbdServer(INbdExportCatalog catalog, NbdServerOptions? options = null)
        {
            Catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
            Options = options ?? new NbdServerOptions();
            Options.Validate();
        }

        public INbdExportCatalog Catalog { get; }
        public NbdServerOptions Options { get; }
        public NbdServerCounters Counters { get; } = new();

        /// <summary>
        /// Serves one connection until the client disconnects (NBD_OPT_ABORT, NBD_CMD_DISC, or
        /// closing), breaks the protocol, or <paramref name="cancel"/> (requests in flight then end
        /// with NBD_ESHUTDOWN). The connection is the server's from here: it is disposed at the end.
        /// Without <paramref name="mayWrite"/> every export is read-only (writes and trims get NBD_EPERM).
        /// </summary>
        public Task ServeAsync(Stream connection, bool mayWrite, CancellationToken cancel) =>
            ServeAsync(connection, mayWrite ? NbdAccess.ReadWrite : NbdAccess.ReadOnly, cancel);

        /// <summary>
        /// As above, with what the connection may do: <see cref="NbdAccess.ListOnly"/> lets it list
        /// the exports and refuses to open any (NBD_REP_ERR_POLICY, counted in <see cref="NbdServerCounters.RefusedByPolicy"/>).
        /// </summary>
        public async Task ServeAsync(Stream connection, NbdAccess access, CancellationToken cancel)
        {
            if (connection is null) throw new ArgumentNullException(nameof(connection));
            Counters.Connected();
            try
            {
                using var served = new NbdConnection(this, connection, access);
                await served.RunAsync(cancel).ConfigureAwait(false);
            }
            finally
            {
                Counters.Disconnected();
            }
        }
    }
}
