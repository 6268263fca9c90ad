namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// Where a visit's staff task and new-visitor alert go. In the embedded mode an empty <c>Appian:BaseUrl</c>
/// or <c>Sns:TopicArn</c> means log and record only. On AWS (Rekognition face search or DynamoDB grain
/// storage) the recorder would mark tasks and alerts delivered that nobody received, in a durable outbox,
/// so a missing setting stops the host instead, unless <c>Appian:RecordOnly</c> / <c>Sns:RecordOnly</c>
/// asks for the recorder in so many words (a local cluster, a test).
/// </summary>
public sealed class DeliveryTargets
{
    /// <summary>Tasks go to the Appian Web API (<c>Appian:BaseUrl</c> is set).</summary>
    public bool Appian { get; private init; }

    /// <summary>Alerts go to the SNS topic (<c>Sns:TopicArn</c> is set, on AWS).</summary>
    public bool Sns { get; private init; }

    /// <summary>Reads and checks the choice now: on AWS the host cannot start without somewhere to deliver.</summary>
    public static DeliveryTargets Read(IConfiguration configuration, bool dynamoDbStorage, FaceSearchSelection faceSearch)
    {
        var onAws = faceSearch.Provider == FaceSearchProvider.Rekognition || dynamoDbStorage;
        var appianSet = !string.IsNullOrWhiteSpace(configuration["Appian:BaseUrl"]);
        var topicSet = !string.IsNullOrWhiteSpace(configuration["Sns:TopicArn"]);
        var appianRecordOnly = RecordOnly(configuration, "Appian:RecordOnly");
        var snsRecordOnly = RecordOnly(configuration, "Sns:RecordOnly");

        var errors = new List<string>();
        if (appianRecordOnly && appianSet)
        {
            errors.Add("Appian:RecordOnly=true and Appian:BaseUrl are both set; choose one.");
        }
        if (snsRecordOnly && topicSet)
        {
            errors.Add("Sns:RecordOnly=true and Sns:TopicArn are both set; choose one.");
        }
        if (onAws && !appianRecordOnly)
        {
            if (!appianSet)
            {
                errors.Add("Appian:BaseUrl is required on AWS (FaceSearch:Provider=Rekognition or Orleans:GrainStorage:visits:ProviderType=DynamoDB); set Appian:RecordOnly=true to only log and record tasks.");
            }
            if (string.IsNullOrWhiteSpace(configuration["Appian:ApiKey"]))
            {
                errors.Add("Appian:ApiKey is required on AWS (FaceSearch:Provider=Rekognition or Orleans:GrainStorage:visits:ProviderType=DynamoDB); set Appian:RecordOnly=true to only log and record tasks.");
            }
        }
        if (onAws && !snsRecordOnly && !topicSet)
        {
            errors.Add("Sns:TopicArn is required on AWS (FaceSearch:Provider=Rekognition or Orleans:GrainStorage:visits:ProviderType=DynamoDB); set Sns:RecordOnly=true to only log and record alerts.");
        }
        ConfigurationReader.ThrowIfAny(errors);
        return new DeliveryTargets { Appian = appianSet, Sns = onAws && topicSet };
    }

    private static bool RecordOnly(IConfiguration configuration, string key)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        return bool.TryParse(value, out var recordOnly)
            ? recordOnly
            : throw new InvalidSettingException($"{key} '{value}' is not true or false.");
    }
}
