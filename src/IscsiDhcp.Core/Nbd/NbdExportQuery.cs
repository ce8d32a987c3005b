using System;
using System.Collections.Generic;

namespace IscsiDhcp.Nbd
{
    /// <summary>The data of NBD_OPT_INFO and NBD_OPT_GO: an export name and the information the client asks for.</summary>
    public sealed class NbdExportQuery
    {
        public NbdExportQuery(string name, IReadOnlyList<NbdInfoType> requests)
        {
            Name = name;
            Requests = requests;
        }

        /// <summary>The export's name; empty means the default export.</summary>
        public string Name { get; }
        public IReadOnlyList<NbdInfoType> Requests { get; }
        public bool Requested(NbdInfoType type)
        {
            foreach (var r in Requests)
                if (r == type) return true;
            return false;
        }

        /// <summary>
        /// Parses the option's data; null with <paramref name="error"/> set when the lengths do
        /// not add up (name longer than the data less 6, a count that leaves bytes over or short).
        /// </summary>
        public static NbdExportQuery? Parse(ReadOnlySpan<byte> data, out string? error)
        {
            var reader = new NbdReader(data);
            if (data.Length < 6) reader.Fail($"{data.Length} bytes cannot hold a name length and a request count");
            var nameLength = reader.U32("the name length");
            if (!reader.Failed && nameLength > (uint)(data.Length - 6))
                reader.Fail($"the name length {nameLength} is more than the option's {data.Length} bytes less 6");
            var name = reader.Text(nameLength, "the export name");
            var count = reader.U16("the information request count");
            if (!reader.Failed && count * 2 != reader.Remaining)
                reader.Fail($"{count} information requests do not fill the {reader.Remaining} bytes left");
            var requests = new NbdInfoType[reader.Failed ? 0 : count];
            for (var i = 0; i < requests.Length; i++) requests[i] = (NbdInfoType)reader.U16("an information request");
            error = reader.Error;
            return error is null ? new NbdExportQuery(name, requests) : null;
        }

        /// <summary>The option's data, as a client sends it.</summary>
        public byte[] ToBytes()
        {
            var name = System.Text.Encoding.UTF8.GetBytes(Name);
            var bytes = new byte[4 + name.Length + 2 + (2 * Requests.Count)];
            var writer = new NbdWriter(bytes);
            writer.U32((uint)name.Length);
            writer.Bytes(name);
            writer.U16((ushort)Requests.Count);
            foreach (var r in Requests) writer.U16((ushort)r);
            return bytes;
        }
    }
}
