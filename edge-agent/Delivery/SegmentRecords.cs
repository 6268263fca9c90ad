using System.Buffers.Binary;
using System.Numerics;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>
/// The on-disk record format of buffer segments: [int32 length][uint32 CRC-32C of payload][payload],
/// little-endian. A record whose header or checksum does not hold marks a torn write: everything
/// from there on is discarded at start-up.
/// </summary>
internal static class SegmentRecords
{
    public const int HeaderSize = 8;
    public const int MaxRecordBytes = 16 * 1024 * 1024;

    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var record = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Checksum(payload));
        payload.CopyTo(record.AsSpan(HeaderSize));
        return record;
    }

    /// <summary>Reads the record at the stream's position; null at the end or at a torn/corrupt record.</summary>
    public static byte[]? ReadNext(Stream stream)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        if (stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
        {
            return null;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        var checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length <= 0 || length > MaxRecordBytes || stream.Length - stream.Position < length)
        {
            return null;
        }
        var payload = new byte[length];
        stream.ReadExactly(payload);
        return Checksum(payload) == checksum ? payload : null;
    }

    /// <summary>Skips over the record at the stream's position without keeping it; false at the end.</summary>
    public static bool Skip(Stream stream) => ReadNext(stream) is not null;

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }
        for (; i < data.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, data[i]);
        }
        return ~crc;
    }
}
