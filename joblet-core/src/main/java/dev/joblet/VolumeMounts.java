package dev.joblet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The host side of managed volumes: mkfs, mount and umount (util-linux and e2fsprogs, run as processes), and what
 * {@code /proc} says about mounts: whether a directory is a mount point here, and which other mount namespaces
 * (jobs) have the same filesystem mounted. Stateless; thread-safe.
 */
final class VolumeMounts {
    private final Path proc;

    VolumeMounts(Path proc) {
        this.proc = proc;
    }

    /** Makes an ext4 filesystem in {@code image} (no reserved blocks: the job gets the whole size). */
    static void mkfs(Path image, String label) throws IOException {
        run(List.of("mkfs.ext4", "-q", "-F", "-m", "0", "-L", label, image.toString()));
    }

    /** {@code mount -o loop} (the loop device is autocleared: it goes with the last mount of it, jobs' included). */
    static void mountImage(Path image, Path dir) throws IOException {
        run(List.of("mount", "-t", "ext4", "-o", "loop,nosuid,nodev", image.toString(), dir.toString()));
    }

    static void mountTmpfs(String source, long bytes, Path dir) throws IOException {
        run(List.of("mount", "-t", "tmpfs", "-o", "nosuid,nodev,mode=1777,size=" + bytes, source, dir.toString()));
    }

    static void umount(Path dir) throws IOException {
        run(List.of("umount", dir.toString()));
    }

    /** The {@code major:minor} of the filesystem mounted at {@code dir} in this process's namespace, if one is. */
    Optional<String> mountedAt(Path dir) throws IOException {
        String want = dir.toString();
        for (String line : Files.readAllLines(proc.resolve("self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 4 && unescape(f[4]).equals(want)) {
                return Optional.of(f[2]); // the last mount there is the one seen; a volume dir has at most one
            }
        }
        return Optional.empty();
    }

    /**
     * The jobs whose mount namespace (one other than this process's) has filesystem {@code dev} mounted: the last
     * component of the cgroup of a process there (a job's cgroup is named by its id), else {@code pid N}.
     */
    Set<String> users(String dev) throws IOException {
        Set<String> out = new TreeSet<>();
        Set<String> seen = new HashSet<>();
        String self = readLink(proc.resolve("self/ns/mnt"));
        seen.add(self);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path p : ds) {
                try {
                    String ns = readLink(p.resolve("ns/mnt"));
                    if (!seen.add(ns)) {
                        continue;
                    }
                    for (String line : Files.readAllLines(p.resolve("mountinfo"), StandardCharsets.UTF_8)) {
                        String[] f = line.split(" ");
                        if (f.length > 2 && f[2].equals(dev)) {
                            out.add(label(p));
                            break;
                        }
                    }
                } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
                    // the process ended meanwhile (or is a kernel thread): no user
                }
            }
        }
        return out;
    }

    private static String label(Path pid) {
        try {
            for (String line : Files.readAllLines(pid.resolve("cgroup"), StandardCharsets.UTF_8)) {
                String path = line.substring(line.indexOf(':', line.indexOf(':') + 1) + 1);
                String leaf = path.substring(path.lastIndexOf('/') + 1);
                if (leaf.matches("[0-9a-f]{8,}(-[0-9a-f]+)*")) {
                    return leaf;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "pid " + pid.getFileName();
    }

    private static String readLink(Path p) throws IOException {
        return Files.readSymbolicLink(p).toString();
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void run(List<String> argv) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IOException(argv.get(0) + " cannot be run (" + e.getMessage() + "); on Debian: apt-get install "
                    + (argv.get(0).startsWith("mkfs") ? "e2fsprogs" : "mount"), e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not finish within 120 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", argv) + ": interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed (exit " + p.exitValue() + "): " + out);
        }
    }
}
