using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace CloudStorage.Core.Hashing;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum GCS reports as <c>crc32c</c>.
/// The CPU's CRC32C instruction (SSE4.2, ARMv8) through <see cref="BitOperations.Crc32C(uint, ulong)"/> where there is
/// one, table-driven slicing-by-8 elsewhere; incremental through <see cref="Append"/>.
/// </summary>
public sealed class Crc32C
{
    private const uint Polynomial = 0x82F63B78u;
    private static readonly uint[] Table = BuildTable();
    private uint _crc = 0xFFFFFFFFu;

    /// <summary>Feeds more bytes.</summary>
    public void Append(ReadOnlySpan<byte> data) => _crc = Update(_crc, data);

    /// <summary>The CRC of everything appended so far.</summary>
    public uint GetCurrentHashAsUInt32() => ~_crc;

    /// <summary>The CRC as 4 big-endian bytes, the order GCS base64-encodes.</summary>
    public byte[] GetCurrentHashBigEndian()
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, GetCurrentHashAsUInt32());
        return bytes;
    }

    /// <summary>Starts over.</summary>
    public void Reset() => _crc = 0xFFFFFFFFu;

    /// <summary>One-shot CRC of a span.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    /// <summary>One-shot CRC as 4 big-endian bytes.</summary>
    public static byte[] HashToBigEndian(ReadOnlySpan<byte> data)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Compute(data));
        return bytes;
    }

    /// <summary>Whether this CPU computes CRC32C in hardware.</summary>
    public static bool IsHardwareAccelerated => Sse42.X64.IsSupported || Crc32.Arm64.IsSupported;

    private static uint Update(uint crc, ReadOnlySpan<byte> data) =>
        IsHardwareAccelerated ? UpdateHardware(crc, data) : UpdateSoftware(crc, data);

    internal static uint UpdateHardware(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    internal static uint UpdateSoftware(uint crc, ReadOnlySpan<byte> data)
    {
        var t = Table;
        while (data.Length >= 8)
        {
            uint one = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            uint two = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t[7 * 256 + (one & 0xFF)] ^ t[6 * 256 + ((one >> 8) & 0xFF)] ^
                  t[5 * 256 + ((one >> 16) & 0xFF)] ^ t[4 * 256 + (one >> 24)] ^
                  t[3 * 256 + (two & 0xFF)] ^ t[2 * 256 + ((two >> 8) & 0xFF)] ^
                  t[1 * 256 + ((two >> 16) & 0xFF)] ^ t[two >> 24];
            data = data[8..];
        }
        foreach (var b in data)
            crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            table[i] = c;
        }
        for (int slice = 1; slice < 8; slice++)
            for (int i = 0; i < 256; i++)
            {
                uint prev = table[(slice - 1) * 256 + i];
                table[slice * 256 + i] = (prev >> 8) ^ table[prev & 0xFF];
            }
        return table;
    }
}
