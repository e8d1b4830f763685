package dev.joblet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Escape attempts of issue 17.3 (files opened once, links never followed): a job wrote links into a directory that
 * the operator (root) uploads into the next job. Each spec plants the links on the host as such a job would, in a
 * root-only directory; the attempt then reads what the upload brought. With links followed by path (the code before
 * the fix: {@code Files.copy} of the named file, which follows a link), the root-only file and the JVM's own
 * environment were copied in and given to the job's user. Uploads need a root JVM: rootless, these are refused at
 * the start, which {@link RootlessEscapeSuiteTest} expects.
 */
final class EscapeAttemptsLinks {
    /** Names start with this: the attempts need a root JVM. */
    static final String PREFIX = "upload: ";

    private EscapeAttemptsLinks() {}

    static void addTo(List<EscapeAttempts.Attempt> a) {
        a.add(new EscapeAttempts.Attempt(PREFIX + "a planted link to a root-only host file",
                "attempt(lambda: print(open('/work/stolen').read()), 'ENOENT')",
                planted("stolen", secret -> secret)));
        a.add(new EscapeAttempts.Attempt(PREFIX + "a planted link to the JVM's /proc/self/environ",
                "must(os.path.islink('/work/stolen') and os.readlink('/work/stolen') == '/proc/self/environ',"
                        + " 'the upload is the link itself, not the JVM environment')",
                planted("stolen", secret -> Path.of("/proc/self/environ"))));
    }

    /**
     * Plants, in a new root-only directory, a root-only file and a link {@code name} to where {@code to} says, and
     * uploads the link as {@code /work/name}. Removed when the JVM exits.
     */
    private static UnaryOperator<JobSpec.Builder> planted(String name, UnaryOperator<Path> to) {
        return b -> {
            if (dev.joblet.internal.HostFacts.euid() != 0) {
                return b.upload(Upload.bytes(new byte[1], name)); // refused at the start: uploads need a root JVM
            }
            try {
                Path dir = Files.createTempDirectory("joblet-escape-links",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Path secret = Files.writeString(dir.resolve("secret"), "ROOT-ONLY host file\n");
                Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
                Path link = Files.createSymbolicLink(dir.resolve(name), to.apply(secret));
                dir.toFile().deleteOnExit();
                secret.toFile().deleteOnExit();
                link.toFile().deleteOnExit();
                return b.upload(Upload.file(link, name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
