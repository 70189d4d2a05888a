package io.pgwarden;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * pgwarden's version: the jar manifest's Implementation-Version if set, else the pom.properties
 * Maven packs into every jar; a build from classes alone has neither.
 */
public final class Version {

    private static final String POM_PROPERTIES = "/META-INF/maven/io.pgwarden/pgwarden-proxy/pom.properties";

    private Version() {
    }

    public static String current() {
        String fromManifest = Version.class.getPackage().getImplementationVersion();
        if (fromManifest != null) {
            return fromManifest;
        }
        try (InputStream in = Version.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                Properties pom = new Properties();
                pom.load(in);
                return pom.getProperty("version", "(unknown version)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "(development build)";
    }
}
