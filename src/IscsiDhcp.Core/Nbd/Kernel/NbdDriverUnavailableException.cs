using System;

namespace IscsiDhcp.Nbd.Kernel
{
    /// <summary>
    /// An export cannot become a block device on this host: the kernel has no NBD driver, or
    /// nbd-client is not installed. The export itself still works; <see cref="ExportUri"/> is
    /// what qemu, nbdfuse, nbdcopy and nbdinfo take instead.
    /// </summary>
    public sealed class NbdDriverUnavailableException : Exception
    {
        public NbdDriverUnavailableException(string why, string exportUri)
            : base($"{why}, so the export cannot become a block device here; qemu, nbdfuse, nbdcopy and nbdinfo take it as it is: {exportUri}") =>
            ExportUri = exportUri;

        public string ExportUri { get; }
    }
}
