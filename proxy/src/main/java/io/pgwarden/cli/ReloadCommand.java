package io.pgwarden.cli;

import io.pgwarden.config.PgwardenConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pgwarden reload --config FILE}: asks the pgwarden that FILE describes to reload, through
 * its admin console (the {@code RELOAD} command), and prints what changed. A small client: it logs
 * in as an admin service like psql would.
 */
@Command(name = "reload", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Ask a running pgwarden to reload its config file, through its admin console (RELOAD).",
            "Prints one line per change, or the file's errors (exit code 1: nothing changed).",
            "The password of the admin service comes from --password-file or the PGPASSWORD variable."})
final class ReloadCommand implements Callable<Integer> {

    @Mixin
    private ConfigFileOption config;

    @Option(names = "--user", paramLabel = "SERVICE",
            description = "The admin service to log in as (default: the first of admin_services).")
    private String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "A file whose first line is its password.")
    private Path passwordFile;

    @Option(names = "--host", paramLabel = "HOST", description = "Where pgwarden listens (default: listen.host, 127.0.0.1 for 0.0.0.0).")
    private String host;

    @Option(names = "--port", paramLabel = "PORT", description = "Its port (default: listen.port).")
    private Integer port;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PgwardenConfig loaded = config.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String service = user != null ? user : loaded.adminServices().stream().findFirst().orElse(null);
        if (service == null) {
            err.println("the config has no admin_services: nobody may open the admin console to ask for a reload");
            return 1;
        }
        Properties props = new Properties();
        props.setProperty("user", service);
        props.setProperty("password", password());
        props.setProperty("preferQueryMode", "simple"); // the console speaks the simple protocol only, as PgBouncer's
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "120"); // a reload may read budgets from the instances
        props.setProperty("ApplicationName", "pgwarden reload");
        String target = host != null ? host : loaded.listen().host().equals("0.0.0.0") ? "127.0.0.1" : loaded.listen().host();
        int targetPort = port != null ? port : loaded.listen().port();
        String url = "jdbc:postgresql://" + target + ":" + targetPort + "/" + PgwardenConfig.ADMIN_DATABASE;
        try (Connection console = DriverManager.getConnection(url, props); Statement st = console.createStatement();
             ResultSet changes = st.executeQuery("RELOAD")) {
            int count = 0;
            while (changes.next()) {
                out.println(changes.getString(1));
                count++;
            }
            out.println(count == 0 ? "reloaded: no change" : "reloaded: " + count + (count == 1 ? " change" : " changes"));
            return 0;
        } catch (SQLException e) {
            err.println(e.getMessage());
            return 1;
        }
    }

    private String password() throws IOException {
        if (passwordFile != null) {
            return Files.readAllLines(passwordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
        }
        String fromEnv = System.getenv("PGPASSWORD");
        return fromEnv == null ? "" : fromEnv;
    }
}
