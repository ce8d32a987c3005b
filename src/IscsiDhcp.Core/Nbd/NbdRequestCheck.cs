namespace IscsiDhcp.Nbd
{
    /// <summary>
    /// Decides whether a well-framed request may run, and if not which error the protocol names
    /// for it (doc/proto.md, "Error values" and "Size constraints"): unknown command or flag,
    /// a flag the export did not advertise, unaligned or past-the-end ranges, oversize payloads,
    /// writes to a read-only export. Pure: the server acts on the answer.
    /// </summary>
    public static class NbdRequestCheck
    {
        public static NbdError Check(in NbdRequest request, in NbdExportLimits limits)
        {
            var flags = request.Flags;
            var advertised = limits.Flags;
            // FUA is valid on every command once advertised (clients are known to set it on reads).
            if ((flags & NbdRequestModifiers.Fua) != 0 && (advertised & NbdExportFeatures.SendFua) == 0) return NbdError.Invalid;
            var others = flags & ~NbdRequestModifiers.Fua;
            switch (request.Command)
            {
                case NbdCommand.Read:
                    if ((others & ~NbdRequestModifiers.DontFragment) != 0) return NbdError.Invalid;
                    if ((others & NbdRequestModifiers.DontFragment) != 0 && (advertised & NbdExportFeatures.SendDf) == 0) return NbdError.Invalid;
                    if (PastEnd(request, limits)) return NbdError.Invalid;
                    if (!Aligned(request, limits)) return NbdError.Invalid;
                    // With structured replies the protocol lets a server refuse a large read up front with EOVERFLOW;
                    // with simple replies a read above the maximum payload is the client's error.
                    if (request.Length > limits.MaximumPayload) return limits.StructuredReplies ? NbdError.Overflow : NbdError.Invalid;
                    return NbdError.None;
                case NbdCommand.Write:
                    if (others != 0) return NbdError.Invalid;
                    if (limits.IsReadOnly) return NbdError.NotPermitted;
                    if (request.Length > limits.MaximumPayload) return NbdError.Invalid;
                    if (PastEnd(request, limits)) return NbdError.NoSpace;
                    if (!Aligned(request, limits)) return NbdError.Invalid;
                    return NbdError.None;
                case NbdCommand.Trim:
                    if ((advertised & NbdExportFeatures.SendTrim) == 0) return NbdError.Invalid;
                    if (others != 0) return NbdError.Invalid;
                    if (limits.IsReadOnly) return NbdError.NotPermitted;
                    if (PastEnd(request, limits)) return NbdError.Invalid;
                    if (!Aligned(request, limits)) return NbdError.Invalid;
                    return NbdError.None;
                case NbdCommand.WriteZeroes:
                    if ((advertised & NbdExportFeatures.SendWriteZeroes) == 0) return NbdError.Invalid;
                    if ((others & ~(NbdRequestModifiers.NoHole | NbdRequestModifiers.FastZero)) != 0) return NbdError.Invalid;
                    if ((others & NbdRequestModifiers.FastZero) != 0 && (advertised & NbdExportFeatures.SendFastZero) == 0) return NbdError.Invalid;
                    if (limits.IsReadOnly) return NbdError.NotPermitted;
                    if (PastEnd(request, limits)) return NbdError.NoSpace;
                    if (!Aligned(request, limits)) return NbdError.Invalid;
                    return NbdError.None;
                case NbdCommand.Flush:
                    if ((advertised & NbdExportFeatures.SendFlush) == 0) return NbdError.Invalid;
                    if (others != 0 || request.Offset != 0 || request.Length != 0) return NbdError.Invalid;
                    return NbdError.None;
                case NbdCommand.Disconnect:
                    // No reply is ever sent to DISC; the answer only says whether it was well formed.
                    return others != 0 || request.Offset != 0 || request.Length != 0 ? NbdError.Invalid : NbdError.None;
                default:
                    // CACHE, BLOCK_STATUS, RESIZE are not offered; anything else is unknown: EINVAL either way.
                    return NbdError.Invalid;
            }
        }

        static bool PastEnd(in NbdRequest request, in NbdExportLimits limits) =>
            request.Offset > limits.Size || request.Length > limits.Size - request.Offset;

        static bool Aligned(in NbdRequest request, in NbdExportLimits limits)
        {
            var mask = (ulong)limits.MinimumBlockSize - 1;
            return (request.Offset & mask) == 0 && (request.Length & mask) == 0;
        }
    }
}
