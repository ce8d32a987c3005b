using System;
using System.Threading;
using System.Threading.Tasks;
using IscsiDhcp.Agent.Ipc;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// The SCSI path to a session the agent holds, for commands that only describe a LUN
    /// (Get-IscsiLun's INQUIRY, VPD pages, READ CAPACITY, REPORT LUNS): each runs in the agent
    /// and comes back as the target answered it. Anything else is refused here; a LUN's data
    /// goes through the agent's NBD export.
    /// </summary>
    sealed class AgentInspectionTransport : IScsiTransport
    {
        readonly AgentClient client;
        readonly string sessionIdentifier;

        public AgentInspectionTransport(AgentClient client, string sessionIdentifier)
        {
            this.client = client;
            this.sessionIdentifier = sessionIdentifier;
        }

        public void Start(ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel = default) =>
            _ = RunAsync(request, completion, cancel);

        async Task RunAsync(ScsiCommandRequest request, IScsiCompletion completion, CancellationToken cancel)
        {
            try
            {
                if (request.WriteData.Length > 0 || !ScsiInspection.IsDescriptive(request.Cdb.Span))
                    throw new NotSupportedException($"session {sessionIdentifier} is held by the IscsiDhcp agent: from a shell, only commands that describe a LUN run on it; its data goes through the agent's NBD export (Open-, Copy-, Measure-IscsiLun)");
                var length = Math.Min(request.ReadBuffer.Length, ScsiInspection.MaxDataLength);
                var cdb = request.Cdb.ToArray();
                var (result, data) = await client.CallAsync(AgentCommands.SessionInspect, w =>
                {
                    w.WriteString("session", sessionIdentifier);
                    w.WriteNumber("lun", ScsiLun.Decode(request.Lun));
                    w.WriteBase64String("cdb", cdb);
                    w.WriteNumber("length", length);
                }, r =>
                {
                    var data = r.Bytes("data");
                    return (new ScsiCommandResult((byte)r.Int32("status"), r.Bytes("sense"), data.Length, r.Boolean("underflow"), r.Boolean("overflow"), (uint)r.Int64("residual")), data);
                }, cancel).ConfigureAwait(false);
                if (data.Length > request.ReadBuffer.Length) throw new AgentProtocolException($"the agent returned {data.Length} bytes for a {request.ReadBuffer.Length}-byte buffer");
                data.CopyTo(request.ReadBuffer);
                completion.Complete(result);
            }
            catch (Exception e)
            {
                completion.Fail(e);
            }
        }
    }
}
