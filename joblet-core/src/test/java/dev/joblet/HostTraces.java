package dev.joblet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What jobs could leave on the host or in this JVM, counted the same way by every leak and fault test. */
public final class HostTraces {
    private HostTraces() {}

    /** Open fds of this JVM on files with no name in {@code dir} (/proc shows them as "dir/#inode (deleted)"). */
    public static List<String> unnamedFilesIn(Path dir) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(HostTraces::target).filter(t -> t.startsWith(dir + "/") && t.endsWith(" (deleted)"))
                    .collect(Collectors.toList());
        }
    }

    private static String target(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return ""; // closed while we looked
        }
    }
}
