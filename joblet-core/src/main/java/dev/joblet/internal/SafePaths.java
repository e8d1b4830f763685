package dev.joblet.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Paths that must stay inside a directory: relative targets without {@code ..}, and walks that refuse every
 * symbolic link on the way. Stateless and thread-safe.
 *
 * <p>The walks are safe against links planted by a job only while nothing else changes the tree (the job has
 * ended): each component is checked with {@code lstat} before it is used, and the last one is opened without
 * following links.
 */
public final class SafePaths {
    private SafePaths() {}

    /**
     * Checks a path relative to a workspace ({@code "data/in.csv"}): not empty, not absolute, no NUL, no
     * {@code ..}, {@code .} or empty component. Returns it with duplicate slashes removed.
     *
     * @param field names the argument in the message, e.g. {@code upload target}
     */
    public static String relative(String field, String path) {
        if (path.isEmpty() || path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + " (" + path.replace('\0', '?')
                    + ") must be a relative path inside the workspace");
        }
        StringBuilder clean = new StringBuilder();
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals("..") || part.equals(".")) {
                throw new IllegalArgumentException(field + " (" + path + ") must not contain '" + part + "'");
            }
            if (clean.length() > 0) {
                clean.append('/');
            }
            clean.append(part);
        }
        if (clean.length() == 0) {
            throw new IllegalArgumentException(field + " (" + path + ") must name a path inside the workspace");
        }
        return clean.toString();
    }

    /**
     * The path {@code rel} (checked by {@link #relative}) under {@code root}, after checking that no existing
     * component of it is a symbolic link and every existing parent is a directory. With {@code createParents}
     * the missing parents are created.
     */
    public static Path inside(Path root, String rel, boolean createParents) throws IOException {
        List<String> parts = List.of(rel.split("/"));
        Path p = root;
        for (int i = 0; i < parts.size(); i++) {
            p = p.resolve(parts.get(i));
            boolean last = i == parts.size() - 1;
            BasicFileAttributes a = attrs(p);
            if (a == null) {
                if (!last && createParents) {
                    Files.createDirectory(p);
                    continue;
                }
                if (!last) {
                    throw new java.nio.file.NoSuchFileException(root.relativize(p).toString());
                }
                break;
            }
            if (a.isSymbolicLink()) {
                throw new IOException(root.relativize(p) + " is a symbolic link; links are never followed in a workspace");
            }
            if (!last && !a.isDirectory()) {
                throw new IOException(root.relativize(p) + " is not a directory");
            }
        }
        return p;
    }

    /** {@code lstat}: the attributes of the path itself, or null when it does not exist. */
    public static @org.jspecify.annotations.Nullable BasicFileAttributes attrs(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Whether the link {@code link} (somewhere under {@code root}) with the text {@code text} stays inside
     * {@code root} by its text alone: relative and never climbing above {@code root}.
     */
    public static boolean linkStaysInside(Path root, Path link, Path text) {
        if (text.isAbsolute()) {
            return false;
        }
        Path resolved = link.getParent().resolve(text).normalize();
        return resolved.startsWith(root.normalize());
    }
}
