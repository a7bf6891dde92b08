package io.sigcar.cli;

import picocli.CommandLine;

/** Reads Sigcar's version from the jar manifest. */
final class VersionProvider implements CommandLine.IVersionProvider {

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    @Override
    public String[] getVersion() {
        return new String[] {"sigcar " + version()};
    }
}
