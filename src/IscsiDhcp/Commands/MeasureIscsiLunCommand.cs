using System;
using System.Management.Automation;
using IscsiDhcp.Hosting;
using IscsiDhcp.Operations.Sessions;

namespace IscsiDhcp.Commands
{
    /// <summary>Measure-IscsiLun: IOPS, MB/s and latency percentiles of a read or write workload; a write workload asks first.</summary>
    [Cmdlet(VerbsDiagnostic.Measure, "IscsiLun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByNodeAddress)]
    [OutputType(typeof(IscsiMeasureResult))]
    public sealed class MeasureIscsiLunCommand : IscsiSessionCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(0, 16383)]
        public int Lun { get; set; }

        [Parameter]
        public IscsiWorkloadMode Mode { get; set; } = IscsiWorkloadMode.Read;

        [Parameter]
        [ValidateRange(512, 16 * 1024 * 1024)]
        public int BlockSize { get; set; } = 4096;

        [Parameter]
        [ValidateRange(1, 1024)]
        public int QueueDepth { get; set; } = 16;

        [Parameter]
        [ValidateRange(1, 86400)]
        public int DurationSec { get; set; } = 10;

        [Parameter]
        public SwitchParameter Random { get; set; }

        protected override void ProcessRecord()
        {
            var operation = new MeasureIscsiLunOperation(Service)
            {
                Lun = Lun,
                Mode = Mode,
                BlockSize = BlockSize,
                QueueDepth = QueueDepth,
                Duration = TimeSpan.FromSeconds(DurationSec),
                Random = Random,
            };
            Fill(operation.Selector);
            RunItem(operation.RunAsync);
        }
    }
}
