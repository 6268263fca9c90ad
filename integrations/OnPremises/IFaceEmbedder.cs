namespace NextGenCrm.Integrations.OnPremises;

/// <summary>
/// Turns a picture into the descriptors of the faces in it (<see cref="Ports.FaceDescriptors"/>): detection,
/// alignment and the embedding network, as the edge agent computes them, so a descriptor from the edge and one
/// from an enrolment photo are alike for one person. Safe to share.
/// </summary>
public interface IFaceEmbedder
{
    /// <summary>One descriptor per face found in the JPEG or PNG, the largest face first; none for a picture without a face or one that does not decode.</summary>
    IReadOnlyList<float[]> DescriptorsOf(ReadOnlySpan<byte> picture);
}
