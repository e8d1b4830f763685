package dev.joblet.internal;

/**
 * Relative paths that must stay inside a workspace (no {@code ..}). Stateless and thread-safe. Resolving them is
 * done through descriptors ({@link dev.joblet.namespaces.HostFiles}), never by checking a path and then opening it.
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
}
