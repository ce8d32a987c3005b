using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Nbd
{
    /// <summary>What an <see cref="NbdServer"/> serves: the exports it lists and opens by name.</summary>
    public interface INbdExportCatalog
    {
        /// <summary>The exports a client may open now (NBD_OPT_LIST).</summary>
        Task<IReadOnlyList<NbdExportEntry>> ListAsync(CancellationToken cancel);

        /// <summary>
        /// Opens an export for one connection (NBD_OPT_INFO, NBD_OPT_GO, NBD_OPT_EXPORT_NAME); null
        /// when there is none by that name. The server disposes it when the connection is done with it.
        /// </summary>
        Task<NbdExport?> OpenAsync(string name, CancellationToken cancel);
    }
}
