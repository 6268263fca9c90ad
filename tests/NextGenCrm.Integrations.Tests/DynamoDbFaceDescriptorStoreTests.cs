using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using NextGenCrm.Integrations.OnPremises;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Tests;

/// <summary>The on-premises face collection's DynamoDB store against DynamoDB Local.</summary>
public sealed class DynamoDbFaceDescriptorStoreTests(DynamoDbLocalFixture emulator) : IDisposable
{
    private readonly AmazonDynamoDBClient _dynamo = emulator.DynamoDb.CreateClient();
    private readonly string _table = "faces-" + Guid.NewGuid().ToString("N")[..8];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dynamo.Dispose();

    [Fact]
    public async Task A_person_with_several_faces_is_read_back_whole_by_another_store_and_erased_whole()
    {
        var store = new DynamoDbFaceDescriptorStore(_dynamo, _table, createIfMissing: true);
        var faces = Enumerable.Range(0, 30).Select(i => Face($"f-{i:D2}", i < 27 ? "c-ana" : "v-other")).ToList();
        foreach (var face in faces)
        {
            Assert.True(await store.AddAsync(face, onlyIfPersonExists: false, Ct));
        }

        // What an index grain activating on another silo reads: every face, each descriptor bit for bit.
        var restarted = new DynamoDbFaceDescriptorStore(_dynamo, _table, createIfMissing: true);
        var read = new List<StoredFace>();
        await foreach (var face in restarted.ReadAllAsync(Ct))
        {
            read.Add(face);
        }
        Assert.Equal(30, read.Count);
        foreach (var face in faces)
        {
            var back = Assert.Single(read, r => r.FaceId == face.FaceId);
            Assert.Equal(face.PersonId, back.PersonId);
            Assert.Equal(face.Descriptor, back.Descriptor);
        }

        // More faces than one BatchWriteItem deletes (25): all go, and the person with them.
        Assert.Equal(new ErasedFaces(27, Person: true), await restarted.ErasePersonAsync("c-ana", Ct));
        Assert.Equal(ErasedFaces.None, await restarted.ErasePersonAsync("c-ana", Ct));
        var left = await _dynamo.ScanAsync(new ScanRequest { TableName = _table, ConsistentRead = true }, Ct);
        Assert.All(left.Items, item => Assert.Equal("v-other", item["personId"].S));
        Assert.Equal(4, left.Items.Count); // v-other's three faces and its person
    }

    [Fact]
    public async Task A_later_face_of_an_erased_person_is_not_stored_and_does_not_bring_them_back()
    {
        var store = new DynamoDbFaceDescriptorStore(_dynamo, _table, createIfMissing: true);
        Assert.True(await store.AddAsync(Face("f-1", "v-eva"), onlyIfPersonExists: false, Ct));
        Assert.True(await store.AddAsync(Face("f-2", "v-eva"), onlyIfPersonExists: true, Ct));
        Assert.Equal(new ErasedFaces(2, Person: true), await store.ErasePersonAsync("v-eva", Ct));

        Assert.False(await store.AddAsync(Face("f-3", "v-eva"), onlyIfPersonExists: true, Ct));

        var read = new List<StoredFace>();
        await foreach (var face in store.ReadAllAsync(Ct))
        {
            read.Add(face);
        }
        Assert.Empty(read);
    }

    private static StoredFace Face(string faceId, string personId)
    {
        var descriptor = new float[FaceDescriptors.Dimensions];
        var random = new Random(faceId.GetHashCode());
        for (var i = 0; i < descriptor.Length; i++)
        {
            descriptor[i] = (float)random.NextDouble() - 0.5f;
        }
        var norm = MathF.Sqrt(descriptor.Sum(x => x * x));
        return new StoredFace(faceId, personId, [.. descriptor.Select(x => x / norm)], DateTimeOffset.UtcNow);
    }
}
