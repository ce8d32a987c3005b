using System;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>What Measure-IscsiLun found: throughput and latency of one workload.</summary>
    public sealed class IscsiMeasureResult
    {
        public string TargetNodeAddress { get; internal set; } = "";
        public int Lun { get; internal set; }
        public IscsiWorkloadMode Mode { get; internal set; }
        public int BlockSize { get; internal set; }
        public int QueueDepth { get; internal set; }
        public bool Random { get; internal set; }
        public TimeSpan Duration { get; internal set; }
        public long Ios { get; internal set; }
        public double Iops { get; internal set; }
        public double MegabytesPerSecond { get; internal set; }
        public double LatencyP50Microseconds { get; internal set; }
        public double LatencyP90Microseconds { get; internal set; }
        public double LatencyP99Microseconds { get; internal set; }
        public double LatencyMaxMicroseconds { get; internal set; }
        public long Errors { get; internal set; }
    }
}
