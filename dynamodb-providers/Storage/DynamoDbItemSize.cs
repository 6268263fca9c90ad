using System.Text;
using Amazon.DynamoDBv2.Model;

namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>DynamoDB's size of an item: attribute names plus values, capped at 400 KB.</summary>
internal static class DynamoDbItemSize
{
    public const int MaxItemBytes = 400 * 1024;

    public static int Of(Dictionary<string, AttributeValue> item) =>
        item.Sum(attribute => Encoding.UTF8.GetByteCount(attribute.Key) + ValueSize(attribute.Value));

    private static int ValueSize(AttributeValue value) => value switch
    {
        { S: { } s } => Encoding.UTF8.GetByteCount(s),
        // Numbers take about one byte per two significant digits, plus one.
        { N: { } n } => (n.Length + 1) / 2 + 1,
        { B: { } b } => (int)b.Length,
        { BOOL: not null } => 1,
        { M: { } m } => 3 + Of(m) + m.Count,
        { L: { } l } => 3 + l.Sum(ValueSize) + l.Count,
        _ => 1,
    };
}
