package io.pgwarden.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code pgwarden <version>}: the jar manifest's Implementation-Version if set, else the
 * pom.properties Maven packs into every jar; a build from classes alone has neither.
 */
final class VersionProvider implements IVersionProvider {

    private static final String POM_PROPERTIES = "/META-INF/maven/io.pgwarden/pgwarden-proxy/pom.properties";

    @Override
    public String[] getVersion() throws IOException {
        return new String[] {"pgwarden " + version()};
    }

    static String version() throws IOException {
        String fromManifest = VersionProvider.class.getPackage().getImplementationVersion();
        if (fromManifest != null) {
            return fromManifest;
        }
        try (InputStream in = VersionProvider.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                Properties pom = new Properties();
                pom.load(in);
                return pom.getProperty("version", "(unknown version)");
            }
        }
        return "(development build)";
    }
}
