/*
 * DynamoDB Local, listening on 127.0.0.1 only.
 *
 * The jar's own main class (ServerRunner) binds Jetty to every interface and has no option for
 * the address, so anyone on the network could read and write the local table. This launcher
 * takes the same command line (-port, -inMemory, -dbPath, -sharedDb, -cors,
 * -delayTransientStatuses), builds the same request handler ServerRunner builds, and serves it
 * from a Jetty connector bound to the loopback address. It sends no start-up telemetry (it never
 * calls DynamoDBProxyServer.start, which does).
 *
 * devtools/dynamodb_local.py compiles it against the installed jar when the class is missing
 * (javac from a JDK) and runs it with the jar and its libs on the class path.
 */

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import software.amazon.dynamodb.services.local.main.CommandLineInput;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBServerHandler;

public final class LoopbackDynamoDBLocal {
    static final String HOST = "127.0.0.1";

    private LoopbackDynamoDBLocal() {}

    public static void main(String[] args) throws Exception {
        CommandLineInput input = new CommandLineInput(args);
        if (!input.init()) {
            return; // -help, or arguments it rejected (it has printed why)
        }
        LocalDynamoDBServerHandler handler = new LocalDynamoDBServerHandler(
                new LocalDynamoDBRequestHandler(
                        0,
                        input.isInMemory(),
                        input.getDbPath(),
                        input.getSharedDb(),
                        input.shouldDelayTransientStatuses()),
                input.getCorsParams());

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(HOST);
        connector.setPort(input.getPort());
        server.addConnector(connector);
        // The handler tree DynamoDBProxyServer.setUpHandler builds.
        ContextHandler context = new ContextHandler();
        context.setHandler(handler);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        contexts.addHandler(context);
        server.setHandler(contexts);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop();
            } catch (Exception e) {
                System.err.println("Stopping Jetty: " + e);
            }
            handler.close(); // closes the SQLite databases cleanly
        }, "dynamodb-local-shutdown"));

        try {
            server.start();
        } catch (Exception e) {
            System.err.printf("Could not start DynamoDB Local on %s:%d: %s%n",
                    HOST, input.getPort(), e.getMessage());
            System.exit(1);
        }
        System.out.printf("DynamoDB Local listening on %s:%d (inMemory=%s, dbPath=%s, sharedDb=%s)%n",
                HOST, connector.getLocalPort(), input.isInMemory(), input.getDbPath(),
                input.getSharedDb());
        server.join();
    }
}
