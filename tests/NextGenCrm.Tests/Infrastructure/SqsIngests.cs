using Amazon.SQS;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Tests.Infrastructure;

/// <summary>The silo's SQS ingest as the silo composes it, on the given queues (fauxqs), in front of the test cluster.</summary>
public static class SqsIngests
{
    public static (SqsSightingReceiver Receiver, SqsSightingIngest Ingest) Create(
        IAmazonSQS sqs, string queueUrl, string deadLetterUrl, IGrainFactory grains, AuditTrail? audit = null)
    {
        var options = Options.Create(new SqsIngestOptions { SightingsQueueUrl = queueUrl, DeadLetterQueueUrl = deadLetterUrl, WaitTimeSeconds = 0 });
        var receiver = new SqsSightingReceiver(sqs, options, NullLogger<SqsSightingReceiver>.Instance);
        var validator = new SightingValidator(Options.Create(new IngestOptions()), new FaceSearchSelection(), new BranchCrops("DeepLens Images/"), World.Clock);
        var ingest = new SqsSightingIngest(receiver, sqs, options, validator, new SightingIngest(grains, World.Images),
            new Microsoft.Extensions.Hosting.Internal.ApplicationLifetime(NullLogger<Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>.Instance),
            NullLogger<SqsSightingIngest>.Instance, audit);
        return (receiver, ingest);
    }
}
