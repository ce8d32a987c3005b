using System.Buffers.Binary;
using System.Text;
using IscsiDhcp.Scsi;

namespace IscsiDhcp.Tests.Operations;

/// <summary>
/// A fake target's SCSI device server: INQUIRY (standard, VPD 0x00, 0x80, 0x83), REPORT LUNS,
/// READ CAPACITY (10) and (16), READ/WRITE (10) and (16), SYNCHRONIZE CACHE, TEST UNIT READY;
/// a LUN that does not exist answers ILLEGAL REQUEST with ASC 0x25, as tgtd does.
/// </summary>
static class FakeScsi
{
    const byte CheckCondition = 0x02;
    const byte InvalidOpcode = 0x20, LbaOutOfRange = 0x21, InvalidFieldInCdb = 0x24, LogicalUnitNotSupported = 0x25;

    public static ScsiCommandResult Run(FakeIscsiTarget target, int lunNumber, in ScsiCommandRequest request)
    {
        var cdb = request.Cdb.Span;
        if (cdb[0] == 0xA0) return ReportLuns(target, request);
        if (!target.Luns.TryGetValue(lunNumber, out var lun)) return Sense(ScsiSense.IllegalRequest, LogicalUnitNotSupported);
        var disk = lun.DeviceType == 0x00;
        switch (cdb[0])
        {
            case 0x00:
                return Good(0);
            case 0x12:
                return Inquiry(lun, request);
            case 0x25 when disk:
            {
                var answer = new byte[8];
                BinaryPrimitives.WriteUInt32BigEndian(answer, (uint)Math.Min(Blocks(lun) - 1, uint.MaxValue));
                BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(4), FakeLun.BlockSize);
                return Answer(answer, request);
            }
            case 0x9E when disk && (cdb[1] & 0x1F) == 0x10:
            {
                var answer = new byte[32];
                BinaryPrimitives.WriteUInt64BigEndian(answer, Blocks(lun) - 1);
                BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(8), FakeLun.BlockSize);
                return Answer(answer, request);
            }
            case 0x28 or 0x88 or 0x2A or 0x8A when disk:
            {
                var sixteen = cdb[0] is 0x88 or 0x8A;
                var lba = sixteen ? BinaryPrimitives.ReadUInt64BigEndian(cdb.Slice(2)) : BinaryPrimitives.ReadUInt32BigEndian(cdb.Slice(2));
                var blocks = sixteen ? BinaryPrimitives.ReadUInt32BigEndian(cdb.Slice(10)) : BinaryPrimitives.ReadUInt16BigEndian(cdb.Slice(7));
                if (lba + blocks > Blocks(lun)) return Sense(ScsiSense.IllegalRequest, LbaOutOfRange);
                var range = lun.Data.AsMemory((int)(lba * FakeLun.BlockSize), (int)(blocks * FakeLun.BlockSize));
                if (cdb[0] is 0x28 or 0x88)
                {
                    if (request.ReadBuffer.Length < range.Length) return Sense(ScsiSense.IllegalRequest, InvalidFieldInCdb);
                    range.CopyTo(request.ReadBuffer);
                    lun.NoteRead(range.Length);
                }
                else
                {
                    if (request.WriteData.Length != range.Length) return Sense(ScsiSense.IllegalRequest, InvalidFieldInCdb);
                    request.WriteData.CopyTo(range);
                }
                return Good(range.Length);
            }
            case 0x35 or 0x91 when disk:
                lun.NoteSynchronizeCache();
                return Good(0);
            default:
                return Sense(ScsiSense.IllegalRequest, InvalidOpcode);
        }
    }

    static ulong Blocks(FakeLun lun) => (ulong)lun.Data.Length / FakeLun.BlockSize;

    static ScsiCommandResult Inquiry(FakeLun lun, in ScsiCommandRequest request)
    {
        var cdb = request.Cdb.Span;
        if ((cdb[1] & 1) == 0)
        {
            var standard = new byte[36];
            standard[0] = lun.DeviceType;
            standard[2] = 0x06;   // SPC-4
            standard[3] = 0x02;
            standard[4] = 31;
            Ascii("FAKE", 8).CopyTo(standard, 8);
            Ascii(lun.DeviceType == 0 ? "RAM DISK" : "CONTROLLER", 16).CopyTo(standard, 16);
            Ascii("0001", 4).CopyTo(standard, 32);
            return Answer(standard, request);
        }
        byte[] body;
        switch (cdb[2])
        {
            case VpdPages.SupportedPages:
                body = [VpdPages.SupportedPages, VpdPages.UnitSerialNumber, VpdPages.DeviceIdentification];
                break;
            case VpdPages.UnitSerialNumber:
                body = Encoding.ASCII.GetBytes(lun.SerialNumber);
                break;
            case VpdPages.DeviceIdentification:
                body = new byte[4 + lun.Naa.Length];
                body[0] = 0x01;   // binary
                body[1] = 0x03;   // associated with the LUN, NAA
                body[3] = (byte)lun.Naa.Length;
                lun.Naa.CopyTo(body, 4);
                break;
            default:
                return Sense(ScsiSense.IllegalRequest, InvalidFieldInCdb);
        }
        var page = new byte[4 + body.Length];
        page[0] = lun.DeviceType;
        page[1] = cdb[2];
        BinaryPrimitives.WriteUInt16BigEndian(page.AsSpan(2), (ushort)body.Length);
        body.CopyTo(page, 4);
        return Answer(page, request);
    }

    static ScsiCommandResult ReportLuns(FakeIscsiTarget target, in ScsiCommandRequest request)
    {
        var numbers = target.Luns.Keys.Order().ToList();
        var list = new byte[8 + (8 * numbers.Count)];
        BinaryPrimitives.WriteUInt32BigEndian(list, (uint)(8 * numbers.Count));
        for (var i = 0; i < numbers.Count; i++) BinaryPrimitives.WriteUInt64BigEndian(list.AsSpan(8 + (8 * i)), ScsiLun.Encode(numbers[i]));
        return Answer(list, request);
    }

    static byte[] Ascii(string text, int width) => Encoding.ASCII.GetBytes(text.PadRight(width)[..width]);

    /// <summary>Data-in: as much as fits the initiator's buffer, an underflow when less was there.</summary>
    static ScsiCommandResult Answer(byte[] data, in ScsiCommandRequest request)
    {
        var length = Math.Min(data.Length, request.ReadBuffer.Length);
        data.AsSpan(0, length).CopyTo(request.ReadBuffer.Span);
        var residual = request.ReadBuffer.Length - length;
        return new ScsiCommandResult(0, [], length, residual > 0, data.Length > request.ReadBuffer.Length, (uint)Math.Abs(residual));
    }

    static ScsiCommandResult Good(int bytes) => new(0, [], bytes, false, false, 0);

    /// <summary>CHECK CONDITION with fixed-format sense.</summary>
    static ScsiCommandResult Sense(byte key, byte asc)
    {
        var sense = new byte[18];
        sense[0] = 0x70;
        sense[2] = key;
        sense[7] = 10;
        sense[12] = asc;
        return new ScsiCommandResult(CheckCondition, sense, 0, false, false, 0);
    }
}
