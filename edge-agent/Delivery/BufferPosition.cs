namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>A place in the buffer: a segment file number and a byte offset in it.</summary>
public readonly record struct BufferPosition(long Segment, long Offset) : IComparable<BufferPosition>
{
    public int CompareTo(BufferPosition other) =>
        Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);

    public static bool operator <(BufferPosition a, BufferPosition b) => a.CompareTo(b) < 0;

    public static bool operator >(BufferPosition a, BufferPosition b) => a.CompareTo(b) > 0;

    public static bool operator <=(BufferPosition a, BufferPosition b) => a.CompareTo(b) <= 0;

    public static bool operator >=(BufferPosition a, BufferPosition b) => a.CompareTo(b) >= 0;
}

/// <summary>Records read from the buffer, with the position just after each one (for partial acknowledgement).</summary>
public sealed record BufferedBatch(IReadOnlyList<byte[]> Records, IReadOnlyList<BufferPosition> Ends)
{
    public static readonly BufferedBatch Empty = new([], []);

    public int Count => Records.Count;
}
