using System;

namespace IscsiDhcp.Iscsi.Session
{
    /// <summary>An Asynchronous Message, surfaced for the supervisor to act on.</summary>
    public sealed class IscsiAsyncEventArgs : EventArgs
    {
        public IscsiAsyncEventArgs(IscsiAsyncEventKind kind, TimeSpan time2Wait, TimeSpan time2Retain, byte[] data)
        {
            Kind = kind;
            Time2Wait = time2Wait;
            Time2Retain = time2Retain;
            Data = data;
        }

        public IscsiAsyncEventKind Kind { get; }
        /// <summary>For a requested logout: how long to wait before logging in again; for a drop: before reconnecting.</summary>
        public TimeSpan Time2Wait { get; }
        public TimeSpan Time2Retain { get; }
        /// <summary>Sense data of a SCSI event, or vendor data.</summary>
        public byte[] Data { get; }
    }
}
