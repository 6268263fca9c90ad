namespace NextGenCrm.Ports;

/// <summary>
/// The service refused the call for a reason that is not the visit's: its credentials, permissions or address
/// (Appian 401/403/404, an SNS authorisation error) or its rate limit (Appian 429 after the adapter's own
/// retries). Unlike <see cref="PermanentDeliveryException"/> the effect stays pending: the outbox retries it
/// with backoff, and the courier reports the refusal (a metric and a log line) so an operator can mend it.
/// </summary>
public sealed class DeliveryBlockedException : Exception
{
    public DeliveryBlockedException(string service, string reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Service = service;
        Reason = reason;
    }

    /// <summary>Who refused: <c>appian</c>, <c>sns</c>.</summary>
    public string Service { get; }

    /// <summary>Why, as the service said it: an HTTP status or an AWS error code. Never personal data.</summary>
    public string Reason { get; }
}
