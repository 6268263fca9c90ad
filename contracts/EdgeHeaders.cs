namespace NextGenCrm.Contracts;

/// <summary>HTTP headers between the edge agent and the silo beyond the bodies.</summary>
public static class EdgeHeaders
{
    /// <summary>
    /// On the answer to a sighting, a batch or a heartbeat: <c>true</c> when the silo that answered runs the branch's
    /// cameras, <c>false</c> when another silo does; absent when that is not known (or the request was refused).
    /// The edge agent keeps the ingress's affinity cookie only while it says <c>true</c>.
    /// </summary>
    public const string BranchHere = "X-NextGenCrm-Branch-Here";
}
