package io.pgwarden.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Objects;

/**
 * What the TLS files looked like when they were last read: modification time, size and file key
 * (the inode, which an atomic rename changes even within one clock tick). A rotation is seen as a
 * difference; a file that cannot be read counts as changed, so that the error gets reported.
 */
record CertificateFiles(List<Stamp> stamps) {

    record Stamp(Path path, FileTime modified, long size, Object fileKey) {
    }

    static CertificateFiles of(List<Path> paths) {
        return new CertificateFiles(paths.stream().map(CertificateFiles::stamp).toList());
    }

    /** The same files now, to compare. */
    CertificateFiles now() {
        return of(stamps.stream().map(Stamp::path).toList());
    }

    boolean differsFrom(CertificateFiles earlier) {
        return !equals(earlier) || stamps.stream().anyMatch(s -> s.modified() == null);
    }

    private static Stamp stamp(Path path) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            return new Stamp(path, attributes.lastModifiedTime(), attributes.size(), Objects.requireNonNullElse(attributes.fileKey(), ""));
        } catch (IOException e) {
            return new Stamp(path, null, -1, "");
        }
    }
}
