using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Scsi
{
    /// <summary>Something that runs SCSI commands: an iSCSI session, or a supervisor that keeps one alive.</summary>
    public interface IScsiTransport
    {
        Task<ScsiCommandResult> ExecuteAsync(ScsiCommandRequest request, CancellationToken cancel = default);
    }
}
