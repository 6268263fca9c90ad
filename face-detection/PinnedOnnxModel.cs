using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;

namespace NextGenCrm.FaceDetection;

/// <summary>
/// Opens an ONNX model only if its file is the one pinned (sha256): a model swapped on disk, truncated or
/// regenerated differently is refused rather than run. One session per model, sequential, on the given threads.
/// </summary>
internal static class PinnedOnnxModel
{
    public static InferenceSession Open(string path, string expectedSha256, int threads, string refusal)
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{refusal.Replace("{path}", path, StringComparison.Ordinal)} has sha256 {actual}, expected {expectedSha256}; refusing to load it");
        }
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // The converted models carry unused initializers; ONNX Runtime warns about them on every load.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        return new InferenceSession(path, sessionOptions);
    }
}
