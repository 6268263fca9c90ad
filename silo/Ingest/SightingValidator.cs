using System.Buffers.Text;
using System.Text.RegularExpressions;
using NextGenCrm.Contracts;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Apis;
using NextGenCrm.Silo.Configuration;

namespace NextGenCrm.Silo.Ingest;

/// <summary>
/// Turns a sighting request into a <see cref="Sighting"/> or a list of problems, each naming its field.
/// Nothing reaches a grain before it passes.
/// </summary>
public sealed partial class SightingValidator(
    IOptions<IngestOptions> options,
    FaceSearchSelection faceSearch,
    BranchCrops crops,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock)
{
    private readonly IngestOptions _limits = options.Value;

    public bool TryValidate(SightingRequest request, out Sighting sighting, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        sighting = null!;
        CheckId(errors, "branchId", request.BranchId, required: true);
        CheckId(errors, "cameraId", request.CameraId, required: true);
        CheckId(errors, "trackId", request.TrackId, required: true);
        CheckId(errors, "sightingId", request.SightingId, required: false);
        CheckCapturedAt(errors, request.CapturedAt);
        if (request.SameTrackAs is { } earlier)
        {
            CheckId(errors, "sameTrackAs.cameraId", earlier.CameraId, required: true);
            CheckId(errors, "sameTrackAs.trackId", earlier.TrackId, required: true);
        }
        var image = CheckFace(errors, request);
        if (errors.Count > 0)
        {
            return false;
        }
        sighting = new Sighting(
            request.SightingId ?? Guid.CreateVersion7().ToString("N"),
            request.BranchId!, request.CameraId!, request.TrackId!, request.CapturedAt!.Value,
            request.FaceToken, request.ImageRef, image, request.FaceDescriptor)
        {
            SameTrackAs = request.SameTrackAs is { } same ? new TrackRef(same.CameraId!, same.TrackId!) : null,
        };
        return true;
    }

    /// <summary>What <see cref="IsValidId"/> asks of <paramref name="field"/>, as the problem details say it.</summary>
    public static string IdRule(string field) =>
        $"{field} must be 1-64 characters of letters, digits, '.', '_' or '-', start with a letter or digit, and not contain '..'.";

    /// <summary>A key of the image store (S3): relative, without control characters or '..'.</summary>
    public static bool IsValidImageKey(string key) =>
        key.Length is > 0 and <= 1024 && !key.StartsWith('/') && !key.Contains("..", StringComparison.Ordinal) && !key.Any(char.IsControl);

    /// <summary>Ids become grain keys and storage paths: a short, plain alphabet, no path tricks.</summary>
    public static bool IsValidId(string? value) =>
        value is not null && IdPattern().IsMatch(value) && !value.Contains("..", StringComparison.Ordinal);

    private static void CheckId(Dictionary<string, string[]> errors, string field, string? value, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                errors[field] = [$"{field} is required."];
            }
            return;
        }
        if (!IsValidId(value))
        {
            errors[field] = [IdRule(field)];
        }
    }

    private void CheckCapturedAt(Dictionary<string, string[]> errors, DateTimeOffset? capturedAt)
    {
        if (capturedAt is not { } at)
        {
            errors["capturedAt"] = ["capturedAt is required (ISO 8601 with an offset, e.g. 2026-11-28T10:15:00Z)."];
            return;
        }
        var now = clock.GetUtcNow();
        if (at > now + _limits.MaxClockSkew)
        {
            errors["capturedAt"] = [$"capturedAt is {(at - now).TotalMinutes:F0} minutes in the future; at most {_limits.MaxClockSkew.TotalMinutes:F0} minutes of clock skew is accepted."];
        }
        else if (at < now - _limits.MaxSightingAge)
        {
            errors["capturedAt"] = [$"capturedAt is older than {_limits.MaxSightingAge.TotalHours:F0} hours."];
        }
    }

    private byte[]? CheckFace(Dictionary<string, string[]> errors, SightingRequest request)
    {
        var given = (request.Image is not null ? 1 : 0) + (request.ImageRef is not null ? 1 : 0) + (request.FaceToken is not null ? 1 : 0)
            + (request.FaceDescriptor is not null ? 1 : 0);
        if (given != 1)
        {
            errors["image"] = ["Exactly one of image, imageRef, faceToken or faceDescriptor is required."];
            return null;
        }
        if (request.FaceDescriptor is { } descriptor)
        {
            if (FaceInputs.DescriptorRefusal(faceSearch, descriptor) is { } refused)
            {
                errors["faceDescriptor"] = [refused];
            }
            return null;
        }
        if (request.FaceToken is null && FaceInputs.PictureRefusal(faceSearch, "send the face as faceDescriptor") is { } noPictures)
        {
            errors["image"] = [noPictures];
            return null;
        }
        if (request.FaceToken is { } token)
        {
            if (FaceInputs.TokenRefusal(faceSearch, "send an image") is { } refused)
            {
                errors["faceToken"] = [refused];
            }
            else if (!TokenPattern().IsMatch(token))
            {
                errors["faceToken"] = ["faceToken must be 1-128 characters of letters, digits, '.', '_', ':' or '-'."];
            }
            return null;
        }
        if (request.ImageRef is { } imageRef)
        {
            if (!IsValidImageKey(imageRef))
            {
                errors["imageRef"] = ["imageRef must be a relative key of 1-1024 characters without control characters or '..'."];
            }
            else if (IsValidId(request.BranchId) && !crops.Holds(request.BranchId!, imageRef))
            {
                errors["imageRef"] = [$"imageRef must be a crop of the sighting's own branch, a key under '{crops.PrefixOf(request.BranchId!)}'."];
            }
            return null;
        }
        return DecodeImage(errors, request.Image!);
    }

    private byte[]? DecodeImage(Dictionary<string, string[]> errors, string base64)
    {
        var maxLength = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
        if (maxLength > _limits.MaxImageBytes + 2)
        {
            errors["image"] = [$"image is larger than {_limits.MaxImageBytes} bytes."];
            return null;
        }
        var buffer = new byte[maxLength];
        if (!Convert.TryFromBase64String(base64, buffer, out var length))
        {
            errors["image"] = ["image is not valid base64."];
            return null;
        }
        var bytes = buffer.AsSpan(0, length);
        if (!ImageFormats.IsJpegOrPng(bytes))
        {
            errors["image"] = ["image is neither a JPEG nor a PNG."];
            return null;
        }
        // Whether it decodes is the ingest's to check (422): this is only about the request's shape.
        return length == buffer.Length ? buffer : bytes.ToArray();
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();
}

internal static class ImageFormats
{
    private static ReadOnlySpan<byte> Jpeg => [0xFF, 0xD8, 0xFF];
    private static ReadOnlySpan<byte> Png => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Checks the signature only; <see cref="CropImages"/> decodes.</summary>
    public static bool IsJpegOrPng(ReadOnlySpan<byte> bytes) =>
        bytes.Length > 64 && (bytes.StartsWith(Jpeg) || bytes.StartsWith(Png));
}
