namespace NextGenCrm.EdgeAgent.Configuration;

/// <summary>Synthetic visitors for demos and load: each sends a faceToken instead of a face crop.</summary>
public sealed class SimulationOptions
{
    /// <summary>Visitors to simulate before the camera goes quiet; 0 = without end.</summary>
    public int Visitors { get; set; }

    public double ArrivalsPerMinute { get; set; } = 6;

    public TimeSpan DwellTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Distinct people to draw tokens from, so the same "person" comes back.</summary>
    public int Population { get; set; } = 1000;
}
