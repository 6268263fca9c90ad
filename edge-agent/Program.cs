using System.CommandLine;
using NextGenCrm.EdgeAgent.Hosting;

// edge-agent: watches a branch's cameras, finds and follows faces, and sends the silo one sighting
// per person in view (plus a periodic refresh), buffering on disk while the silo is unreachable.
var root = new RootCommand(
    """
    NextGenCrm edge agent: runs at a bank branch, watches its cameras, detects and tracks faces on
    the device, and sends one sighting per person in view to the NextGenCrm silo. Sightings are
    kept in a durable on-disk buffer while the silo (or S3/SQS) is unreachable.

    Quick start:
      edge-agent run --branch b001 --silo https://silo.bank.internal --token-file edge.token --folder /data/deeplens
      edge-agent run --config /etc/nextgencrm/edge-agent.json
      edge-agent run --branch demo --silo http://localhost:8080 --simulate 20
      edge-agent run --branch b001 --sink aws --folder /data/deeplens \
        --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/edge-sightings
                                           (crops to S3 bucket customerimages, sightings to SQS;
                                            AWS credentials from the SDK's default chain)
      edge-agent detect photo.jpg          (check detection on a picture)
      edge-agent embed photo.jpg           (128-d face descriptors of the faces in a picture)
      edge-agent bench-detect              (frames/s of decode + detect on this machine)

    See edge-agent.example.json next to the binary for every setting; any setting can also come
    from the environment, e.g. EdgeAgent__Silo__BaseUrl=https://silo.bank.internal.
    """);
root.Subcommands.Add(AgentCommands.Run());
root.Subcommands.Add(AgentCommands.Detect());
root.Subcommands.Add(AgentCommands.Embed());
root.Subcommands.Add(AgentCommands.BenchDetect());
return await root.Parse(args).InvokeAsync();
