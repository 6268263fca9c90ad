using NextGenCrm.Ports;
using NextGenCrm.Silo.Apis.Contracts;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;

namespace NextGenCrm.Silo.Apis;

/// <summary>
/// Which forms of a face this silo takes, by its face search (<see cref="FaceSearchSelection"/>), for sightings,
/// enrolments and imports alike: a face token only with the simulated search, a descriptor only with the on-premises
/// one, a picture unless the on-premises search has no embedder. Each rule is here once; callers say what to send instead.
/// </summary>
public static class FaceInputs
{
    /// <summary>Why a face token is refused, or null.</summary>
    public static string? TokenRefusal(FaceSearchSelection mode, string instead) => mode.Provider == FaceSearchProvider.Simulated
        ? null
        : $"faceToken is accepted only with the simulated face search (FaceSearch:Provider=Simulated); {instead}.";

    /// <summary>Why a descriptor is refused (wrong search, or not a usable descriptor), or null.</summary>
    public static string? DescriptorRefusal(FaceSearchSelection mode, float[] descriptor) => mode.Provider != FaceSearchProvider.OnPremises
        ? "faceDescriptor is accepted only with the on-premises face search (FaceSearch:Provider=OnPremises)."
        : FaceDescriptors.Problem(descriptor);

    /// <summary>Why a picture (image or stored photo) is refused, or null.</summary>
    public static string? PictureRefusal(FaceSearchSelection mode, string instead) => mode.AcceptsPictures
        ? null
        : $"This silo's on-premises face search has no face embedder installed: {instead}.";

    /// <summary>The enrolment's face problems, under the field each names.</summary>
    public static void CheckEnrolment(FaceEnrolmentRequest body, FaceSearchSelection mode, Dictionary<string, string[]> errors)
    {
        if ((body.Image is not null ? 1 : 0) + (body.FaceToken is not null ? 1 : 0) + (body.FaceDescriptor is not null ? 1 : 0) != 1)
        {
            errors["image"] = ["Exactly one of image, faceToken or faceDescriptor is required."];
        }
        else if (body.FaceDescriptor is { } descriptor)
        {
            if (DescriptorRefusal(mode, descriptor) is { } refused)
            {
                errors["faceDescriptor"] = [refused];
            }
        }
        else if (body.FaceToken is null && PictureRefusal(mode, "send the face as faceDescriptor") is { } noPictures)
        {
            errors["image"] = [noPictures];
        }
        else if (body.FaceToken is not null)
        {
            if (TokenRefusal(mode, "send a photo") is { } refused)
            {
                errors["faceToken"] = [refused];
            }
        }
        else if (DecodePhoto(body.Image!) is not { } bytes)
        {
            errors["image"] = ["image must be base64 of a JPEG or PNG photo."];
        }
        else if (CropImages.ProblemOf(bytes.Span) is { } problem)
        {
            errors["image"] = [problem];
        }
    }

    /// <summary>The face of an enrolment that passed <see cref="CheckEnrolment"/>.</summary>
    public static FaceImage FaceOf(FaceEnrolmentRequest body) =>
        body.FaceDescriptor is { } descriptor ? FaceImage.FromDescriptor(descriptor)
        : body.FaceToken is { } token ? FaceImage.FromToken(token)
        : FaceImage.FromBytes(DecodePhoto(body.Image!) ?? throw new ArgumentException("The enrolment's image is not a photo; validate it first.", nameof(body)));

    private static ReadOnlyMemory<byte>? DecodePhoto(string base64)
    {
        var bytes = new byte[(base64.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(base64, bytes, out var length) || !ImageFormats.IsJpegOrPng(bytes.AsSpan(0, length)))
        {
            return null;
        }
        return bytes.AsMemory(0, length);
    }
}
