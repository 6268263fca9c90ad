using System.Buffers.Binary;
using System.Text;

namespace NextGenCrm.FaceDetection;

/// <summary>
/// The few ONNX protobuf messages the face recognition model needs (onnx.proto: ModelProto, GraphProto,
/// NodeProto, AttributeProto, TensorProto, ValueInfoProto), written in protobuf's wire format. Field
/// numbers are those of onnx/onnx.proto; everything is written in one fixed order, so the same
/// weights always give the same bytes (the file is pinned by its sha256).
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    public ProtoWriter Int64(int field, long value)
    {
        Tag(field, 0);
        Varint((ulong)value);
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        Tag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    public ProtoWriter PackedInt64(int field, IEnumerable<long> values)
    {
        var packed = new ProtoWriter();
        foreach (var v in values)
        {
            packed.Varint((ulong)v);
        }
        return Bytes(field, packed.ToArray());
    }
}

/// <summary>Builds an ONNX graph node by node (opset 17, default domain).</summary>
internal sealed class OnnxGraphBuilder
{
    private const int TensorFloat = 1;
    private const int TensorInt64 = 7;
    private const int AttributeInt = 2;
    private const int AttributeInts = 7;

    private readonly List<ProtoWriter> _nodes = [];
    private readonly List<ProtoWriter> _initializers = [];
    private readonly List<ProtoWriter> _inputs = [];
    private readonly List<ProtoWriter> _outputs = [];
    private int _next;

    public string Name(string prefix) => $"{prefix}_{_next++}";

    public string FloatConstant(string name, float[] values, params long[] dims)
    {
        var raw = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }
        _initializers.Add(new ProtoWriter().PackedInt64(1, dims).Int64(2, TensorFloat).String(8, name).Bytes(9, raw));
        return name;
    }

    public string Int64Constant(string name, params long[] values)
    {
        var raw = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        }
        _initializers.Add(new ProtoWriter().PackedInt64(1, [values.Length]).Int64(2, TensorInt64).String(8, name).Bytes(9, raw));
        return name;
    }

    /// <summary>Adds a node; attributes are ints (long) or int lists (long[]).</summary>
    public string Node(string opType, string[] inputs, params (string Name, object Value)[] attributes)
        => NamedNode(Name(opType.ToLowerInvariant()), opType, inputs, attributes);

    /// <summary>Adds a node whose output has the given name (a graph output).</summary>
    public string NamedNode(string output, string opType, string[] inputs, params (string Name, object Value)[] attributes)
    {
        var node = new ProtoWriter();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }
        node.String(2, output).String(3, output).String(4, opType);
        foreach (var (name, value) in attributes)
        {
            var attribute = new ProtoWriter().String(1, name);
            switch (value)
            {
                case long i:
                    attribute.Int64(3, i).Int64(20, AttributeInt);
                    break;
                case long[] ints:
                    attribute.PackedInt64(8, ints).Int64(20, AttributeInts);
                    break;
                default:
                    throw new ArgumentException($"attribute {name}: unsupported type {value.GetType()}");
            }
            node.Message(5, attribute);
        }
        _nodes.Add(node);
        return output;
    }

    /// <summary>A float tensor input or output; a null dimension is symbolic (the batch).</summary>
    public void Input(string name, params long?[] dims) => _inputs.Add(ValueInfo(name, dims));

    public void Output(string name, params long?[] dims) => _outputs.Add(ValueInfo(name, dims));

    private static ProtoWriter ValueInfo(string name, long?[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var dim in dims)
        {
            shape.Message(1, dim is { } d ? new ProtoWriter().Int64(1, d) : new ProtoWriter().String(2, "batch"));
        }
        var tensorType = new ProtoWriter().Int64(1, TensorFloat).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }

    public byte[] Model(string graphName, string producer, string docString)
    {
        var graph = new ProtoWriter();
        foreach (var node in _nodes)
        {
            graph.Message(1, node);
        }
        graph.String(2, graphName);
        foreach (var initializer in _initializers)
        {
            graph.Message(5, initializer);
        }
        foreach (var input in _inputs)
        {
            graph.Message(11, input);
        }
        foreach (var output in _outputs)
        {
            graph.Message(12, output);
        }
        return new ProtoWriter()
            .Int64(1, 8)                               // ir_version 8
            .String(2, producer)
            .String(6, docString)
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int64(2, 17)) // opset_import: ai.onnx 17
            .ToArray();
    }
}
