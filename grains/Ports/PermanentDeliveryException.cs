namespace NextGenCrm.Ports;

/// <summary>
/// A side effect the remote service refused for good (for example a 400 from Appian): the
/// outbox records it as failed with this reason instead of retrying.
/// </summary>
public sealed class PermanentDeliveryException : Exception
{
    public PermanentDeliveryException() { }
    public PermanentDeliveryException(string message) : base(message) { }
    public PermanentDeliveryException(string message, Exception innerException) : base(message, innerException) { }
}
