namespace NextGenCrm.Ports;

/// <summary>
/// What a face descriptor is here: 128 float32 numbers, L2-normalised (the dlib ResNet's output, as
/// <c>face-detection/</c> computes it). Two descriptors of one person are close in cosine distance. A descriptor
/// is biometric data: it is erased with the person and never written to a log.
/// </summary>
public static class FaceDescriptors
{
    public const int Dimensions = 128;

    /// <summary>How far from 1 a descriptor's length may be (float32 rounding of a normalised vector is far below it).</summary>
    public const float NormTolerance = 0.01f;

    /// <summary>Why <paramref name="descriptor"/> is not a usable descriptor, or null when it is.</summary>
    public static string? Problem(ReadOnlySpan<float> descriptor)
    {
        if (descriptor.Length != Dimensions)
        {
            return $"faceDescriptor must hold exactly {Dimensions} numbers; it holds {descriptor.Length}.";
        }
        var squares = 0.0;
        foreach (var value in descriptor)
        {
            if (!float.IsFinite(value))
            {
                return "faceDescriptor must hold finite numbers only.";
            }
            squares += (double)value * value;
        }
        var norm = Math.Sqrt(squares);
        return Math.Abs(norm - 1) > NormTolerance
            ? $"faceDescriptor must be L2-normalised (length 1 ± {NormTolerance}); its length is {norm:F3}."
            : null;
    }

    /// <summary>The descriptor as little-endian float32 bytes (how the stores keep it: 512 bytes).</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> descriptor)
    {
        var bytes = new byte[descriptor.Length * sizeof(float)];
        for (var i = 0; i < descriptor.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), descriptor[i]);
        }
        return bytes;
    }

    public static float[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Dimensions * sizeof(float))
        {
            throw new InvalidDataException($"A stored face descriptor is {bytes.Length} bytes, not {Dimensions * sizeof(float)}.");
        }
        var descriptor = new float[Dimensions];
        for (var i = 0; i < descriptor.Length; i++)
        {
            descriptor[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        }
        return descriptor;
    }
}
