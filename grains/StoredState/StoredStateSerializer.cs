using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace NextGenCrm.StoredState;

/// <summary>
/// The grain storages' serializer: Orleans' own binary format (<see cref="OrleansGrainStorageSerializer"/>), which
/// reads by field <c>[Id]</c> and skips fields it does not know, so a state's class can grow and shed members
/// without a shim. State stored by earlier builds as Newtonsoft JSON with type names is read once through
/// <see cref="EarlierJsonState"/>; the grain's next write stores it in the binary format.
/// </summary>
public sealed class StoredStateSerializer(Serializer serializer, JsonGrainStorageSerializer earlierJson) : IGrainStorageSerializer
{
    private readonly OrleansGrainStorageSerializer _binary = new(serializer);

    public BinaryData Serialize<T>(T? input) => _binary.Serialize(input);

    public T? Deserialize<T>(BinaryData input) =>
        EarlierJsonState.IsJson(input) ? earlierJson.Deserialize<T>(EarlierJsonState.Upgrade(input)) : _binary.Deserialize<T>(input);
}

public static class StoredStateServiceCollectionExtensions
{
    /// <summary>Grain state in Orleans' binary format for every grain storage that takes the silo's serializer.</summary>
    public static IServiceCollection AddStoredStateSerializer(this IServiceCollection services) =>
        // Orleans registers its JSON serializer with TryAdd: this one wins whether added before or after the silo's defaults.
        services.AddSingleton<IGrainStorageSerializer>(sp => new StoredStateSerializer(
            sp.GetRequiredService<Serializer>(), ActivatorUtilities.CreateInstance<JsonGrainStorageSerializer>(sp)));
}
