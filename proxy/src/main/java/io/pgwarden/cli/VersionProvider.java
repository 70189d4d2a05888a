package io.pgwarden.cli;

import io.pgwarden.Version;
import picocli.CommandLine.IVersionProvider;

/** {@code pgwarden <version>} for {@code --version}. */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {"pgwarden " + Version.current()};
    }
}
