using NextGenCrm.Faces;

namespace NextGenCrm.Tests.Identity;

public sealed class FaceDescriptorMatrixTests
{
    [Fact]
    public void A_person_is_found_by_a_near_view_of_any_of_their_faces_and_strangers_by_none()
    {
        var matrix = new FaceDescriptorMatrix(capacity: 16);
        var people = Enumerable.Range(0, 300).Select(i => (Id: $"v-{i:D4}", Faces: new[] { Descriptors.Random(), Descriptors.Random() })).ToList();
        foreach (var (id, faces) in people)
        {
            matrix.Add($"{id}-a", id, faces[0]);
            matrix.Add($"{id}-b", id, faces[1]);
        }

        Assert.Equal(600, matrix.Count);
        foreach (var (id, faces) in people.Where((_, i) => i % 7 == 0))
        {
            var found = matrix.Search(Descriptors.Near(faces[1], 0.2f), minSimilarity: 0.75f, maxPeople: 5);
            Assert.Equal(id, Assert.Single(found).PersonId);
        }
        Assert.Empty(matrix.Search(Descriptors.Random(), minSimilarity: 0.75f, maxPeople: 5));
    }

    [Fact]
    public void A_removed_person_is_found_no_more_and_everyone_else_still_is()
    {
        var matrix = new FaceDescriptorMatrix(capacity: 16);
        var faces = Enumerable.Range(0, 50).Select(_ => Descriptors.Random()).ToList();
        for (var i = 0; i < faces.Count; i++)
        {
            // Person 0 holds every fifth face, so removing them leaves holes all over the matrix.
            matrix.Add($"f-{i}", i % 5 == 0 ? "v-gone" : $"v-{i}", faces[i]);
        }

        Assert.Equal(10, matrix.RemovePerson("v-gone"));

        Assert.Equal(40, matrix.Count);
        Assert.Equal(0, matrix.FacesOf("v-gone"));
        for (var i = 0; i < faces.Count; i++)
        {
            var found = matrix.Search(faces[i], minSimilarity: 0.99f, maxPeople: 5);
            if (i % 5 == 0)
            {
                Assert.Empty(found);
            }
            else
            {
                Assert.Equal($"v-{i}", Assert.Single(found).PersonId);
            }
        }
    }
}
