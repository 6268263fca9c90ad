using NextGenCrm.EdgeAgent.ReIdentification;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>The agent's memory of recent faces, on synthetic descriptors with exactly chosen similarities.</summary>
public sealed class RecentFacesTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly TrackKey DoorT1 = new("door", "t1"), CounterT1 = new("counter", "t1"), CounterT2 = new("counter", "t2"),
        LobbyT1 = new("lobby", "t1"), LobbyT2 = new("lobby", "t2");

    private static RecentFaces NewStore(TimeSpan? window = null, float minSimilarity = 0.8f, int maxTracks = 100) =>
        new(new ReIdentificationOptions { Window = window ?? TimeSpan.FromMinutes(15), MinSimilarity = minSimilarity, AmbiguityMargin = 0.05f, MaxTracks = maxTracks });

    [Fact]
    public void A_face_seen_at_the_door_and_then_at_the_counter_is_sent_as_the_door_track()
    {
        using var store = NewStore();
        var alice = SyntheticFaces.Person(1);

        Assert.Null(store.Identify(DoorT1, alice, Start));
        store.Ended(DoorT1, Start.AddSeconds(40));
        var sameAs = store.Identify(CounterT1, SyntheticFaces.Near(alice, 0.9f, seed: 2), Start.AddMinutes(3));

        Assert.Equal(DoorT1, sameAs);
        Assert.Equal(DoorT1, store.SameAs(CounterT1, Start.AddMinutes(3.5))); // the track's later sightings say the same
    }

    [Fact]
    public void A_third_pass_names_the_persons_most_recent_track()
    {
        using var store = NewStore();
        var alice = SyntheticFaces.Person(1);
        store.Identify(DoorT1, alice, Start);
        store.Ended(DoorT1, Start.AddSeconds(30));
        store.Identify(CounterT1, SyntheticFaces.Near(alice, 0.9f, seed: 2), Start.AddMinutes(2));
        store.Ended(CounterT1, Start.AddMinutes(3));

        // Closer to the door's face than to the counter's, but the counter's track is the one its camera still remembers best.
        Assert.Equal(CounterT1, store.Identify(LobbyT1, SyntheticFaces.Near(alice, 0.95f, seed: 3), Start.AddMinutes(10)));
    }

    [Fact]
    public void A_face_whose_track_was_last_seen_longer_ago_than_the_window_is_dropped_and_matches_nobody()
    {
        using var store = NewStore(window: TimeSpan.FromMinutes(5));
        var alice = SyntheticFaces.Person(1);
        store.Identify(DoorT1, alice, Start);
        store.Ended(DoorT1, Start.AddMinutes(1));

        store.Expire(Start.AddMinutes(5)); // four minutes after the track ended: kept
        Assert.Equal(1, store.Count);
        store.Expire(Start.AddMinutes(6).AddSeconds(1));
        Assert.Equal(0, store.Count);
        Assert.Null(store.Identify(CounterT1, SyntheticFaces.Near(alice, 0.95f, seed: 2), Start.AddMinutes(6).AddSeconds(2)));
    }

    [Fact]
    public void A_new_track_after_the_window_is_not_matched_even_before_the_timer_expires_anything()
    {
        using var store = NewStore(window: TimeSpan.FromMinutes(5));
        var alice = SyntheticFaces.Person(1);
        store.Identify(DoorT1, alice, Start);

        Assert.Null(store.Identify(CounterT1, SyntheticFaces.Near(alice, 0.95f, seed: 2), Start.AddMinutes(5).AddSeconds(1)));
        Assert.Equal(1, store.Count); // the door's face went; the counter's is the only one kept
    }

    [Fact]
    public void Past_its_capacity_the_store_forgets_the_least_recently_seen_faces()
    {
        using var store = NewStore(maxTracks: 3);
        var people = Enumerable.Range(0, 5).Select(SyntheticFaces.Person).ToList();
        for (var i = 0; i < people.Count; i++)
        {
            store.Identify(new TrackKey("door", $"t{i}"), people[i], Start.AddSeconds(i));
            store.Ended(new TrackKey("door", $"t{i}"), Start.AddSeconds(i));
        }

        Assert.Equal(3, store.Count);
        Assert.Null(store.Identify(CounterT1, SyntheticFaces.Near(people[0], 0.95f, seed: 9), Start.AddSeconds(10)));
        Assert.Equal(new TrackKey("door", "t4"), store.Identify(CounterT2, SyntheticFaces.Near(people[4], 0.95f, seed: 10), Start.AddSeconds(11)));
        Assert.Equal(3, store.Count);
    }

    [Fact]
    public void A_face_just_below_the_threshold_is_a_new_person_and_just_above_it_the_same()
    {
        using var store = NewStore(minSimilarity: 0.8f);
        var alice = SyntheticFaces.Person(1);
        store.Identify(DoorT1, alice, Start);
        store.Ended(DoorT1, Start.AddSeconds(20));

        Assert.Null(store.Identify(CounterT1, SyntheticFaces.Near(alice, 0.79f, seed: 2), Start.AddMinutes(1)));
        Assert.Equal(DoorT1, store.Identify(LobbyT1, SyntheticFaces.Near(alice, 0.81f, seed: 3), Start.AddMinutes(2)));
    }

    [Fact]
    public void Two_people_who_look_alike_below_the_threshold_are_never_merged()
    {
        using var store = NewStore(minSimilarity: 0.8f);
        var alice = SyntheticFaces.Person(1);
        var sister = SyntheticFaces.Near(alice, 0.72f, seed: 5); // close, as relatives are, but below the threshold
        store.Identify(DoorT1, alice, Start);
        store.Ended(DoorT1, Start.AddSeconds(20));

        Assert.Null(store.Identify(CounterT1, sister, Start.AddMinutes(1)));
        store.Ended(CounterT1, Start.AddMinutes(2));

        // Each later pass goes to its own person.
        Assert.Equal(DoorT1, store.Identify(LobbyT1, SyntheticFaces.Near(alice, 0.97f, seed: 6), Start.AddMinutes(3)));
        store.Ended(LobbyT1, Start.AddMinutes(4));
        Assert.Equal(CounterT1, store.Identify(LobbyT2, SyntheticFaces.Near(sister, 0.97f, seed: 7), Start.AddMinutes(5)));
    }

    [Fact]
    public void A_face_about_as_close_to_two_people_is_left_to_the_silos_search()
    {
        using var store = NewStore(minSimilarity: 0.8f);
        var alice = SyntheticFaces.Person(1);
        var sister = SyntheticFaces.Near(alice, 0.75f, seed: 5);
        store.Identify(DoorT1, alice, Start);
        store.Ended(DoorT1, Start.AddSeconds(20));
        store.Identify(CounterT1, sister, Start.AddMinutes(1));
        store.Ended(CounterT1, Start.AddMinutes(2));

        // The sum of the two, normalised: equally close to both, and above the threshold with each.
        var between = SyntheticFaces.Normalise(alice.Zip(sister, (a, b) => a + b).ToArray());
        Assert.True(RecentFaces.Cosine(between, alice) >= 0.8f && RecentFaces.Cosine(between, sister) >= 0.8f);

        Assert.Null(store.Identify(LobbyT1, between, Start.AddMinutes(3)));
        Assert.Equal(1, store.Ambiguous);
    }

    [Fact]
    public void Two_faces_in_view_of_one_camera_at_once_are_two_people_however_alike()
    {
        using var store = NewStore();
        var twin = SyntheticFaces.Person(1);
        store.Identify(DoorT1, twin, Start);

        Assert.Null(store.Identify(new TrackKey("door", "t2"), SyntheticFaces.Near(twin, 0.95f, seed: 2), Start.AddSeconds(2)));
        // Now two people that alike are kept: a face at another camera close to both is left to the silo's search.
        Assert.Null(store.Identify(CounterT1, SyntheticFaces.Near(twin, 0.95f, seed: 3), Start.AddSeconds(3)));
        Assert.Equal(1, store.Ambiguous);
    }

    [Fact]
    public void Another_camera_may_see_the_same_person_at_the_same_moment()
    {
        using var store = NewStore();
        var alice = SyntheticFaces.Person(1);
        store.Identify(DoorT1, alice, Start); // still in view at the door: the views overlap

        Assert.Equal(DoorT1, store.Identify(CounterT1, SyntheticFaces.Near(alice, 0.9f, seed: 3), Start.AddSeconds(3)));
    }

    [Fact]
    public void Dropped_descriptors_are_cleared_in_memory()
    {
        var store = NewStore(window: TimeSpan.FromMinutes(1));
        var face = SyntheticFaces.Person(1);
        store.Identify(DoorT1, face, Start);
        store.Dispose();

        Assert.Equal(0, store.Count);
        Assert.Null(store.Identify(CounterT1, face, Start.AddSeconds(1)));
    }
}

/// <summary>Unit vectors of 128 floats with chosen cosine similarities, seeded.</summary>
public static class SyntheticFaces
{
    public const int Length = 128;

    public static float[] Person(int seed) => Normalise(Gaussian(new Random(seed)));

    /// <summary>A unit vector at exactly <paramref name="similarity"/> (cosine) from <paramref name="face"/>.</summary>
    public static float[] Near(float[] face, float similarity, int seed)
    {
        var other = Gaussian(new Random(seed * 7919));
        var along = Dot(other, face);
        var orthogonal = Normalise(other.Select((x, i) => x - (along * face[i])).ToArray());
        var sideways = MathF.Sqrt(1 - (similarity * similarity));
        return Normalise(face.Select((x, i) => (similarity * x) + (sideways * orthogonal[i])).ToArray());
    }

    public static float[] Normalise(float[] v)
    {
        var norm = MathF.Sqrt(Dot(v, v));
        return v.Select(x => x / norm).ToArray();
    }

    private static float Dot(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static float[] Gaussian(Random random) =>
        Enumerable.Range(0, Length).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();
}
