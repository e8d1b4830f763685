package dev.joblet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a named runtime says about itself: the file {@value #FILE_NAME} next to its {@code rootfs/}. Immutable.
 *
 * <p>The format is one {@code key = value} per line; blank lines and lines starting with {@code #} are ignored:
 *
 * <pre>
 * name = python-3.11-ml
 * version = bookworm 2025-05-20
 * description = Python 3.11 with numpy, pandas and scikit-learn from Debian packages
 * # one variable per line; a variable the job's spec sets wins
 * env.PYTHONDONTWRITEBYTECODE = 1
 * # a host path bound into every job, read-only unless it ends in :rw
 * mount = /srv/models:/models
 * # a smoke check ({@code rnx runtime test}): one command per line, run by the runtime's /bin/sh, in order
 * check.numpy = python3 -c 'import numpy'
 * </pre>
 *
 * {@code name} is required and must equal the runtime's directory name; every other key is optional. An unknown key
 * or a bad value is an {@link IllegalArgumentException} naming the file, the line and the field.
 */
public final class RuntimeManifest {
    /** The manifest's file name inside a runtime's directory. */
    public static final String FILE_NAME = "runtime.conf";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final String name;
    private final String version;
    private final String description;
    private final Map<String, String> env;
    private final List<Volume> mounts;
    /** Check name to shell command, in the order the manifest gives them. */
    private final Map<String, String> checks;

    private RuntimeManifest(String name, String version, String description, Map<String, String> env, List<Volume> mounts,
            Map<String, String> checks) {
        this.name = name;
        this.version = version;
        this.description = description;
        this.env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        this.mounts = List.copyOf(mounts);
        this.checks = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
    }

    /** A manifest with these fields; checks them as {@link #parse} does. */
    public static RuntimeManifest of(String name, String version, String description, Map<String, String> env,
            List<Volume> mounts) {
        return of(name, version, description, env, mounts, Map.of());
    }

    /** A manifest with these fields and smoke checks (name to shell command, in the map's order). */
    public static RuntimeManifest of(String name, String version, String description, Map<String, String> env,
            List<Volume> mounts, Map<String, String> checks) {
        check(NAME.matcher(name).matches(), "name", name, "must be letters, digits, '.', '_' or '-' (at most 64)");
        checkText("version", version);
        checkText("description", description);
        env.forEach((k, v) -> {
            check(ENV_NAME.matcher(k).matches(), "env." + k, k, "must be a shell variable name");
            checkText("env." + k, v);
        });
        for (Volume m : mounts) {
            checkText("mount", m.source().toString());
            checkText("mount", m.target());
        }
        checks.forEach(RuntimeManifest::checkCheck);
        return new RuntimeManifest(name, version, description, env, mounts, checks);
    }

    /** Reads and checks a manifest file. */
    public static RuntimeManifest read(Path file) throws IOException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * Parses manifest text; {@code source} names it in error messages ({@code "<source>:3: field mount: ..."}).
     */
    public static RuntimeManifest parse(String source, String text) {
        String name = null;
        String version = "";
        String description = "";
        Map<String, String> env = new LinkedHashMap<>();
        List<Volume> mounts = new ArrayList<>();
        Map<String, String> checks = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + ":" + (i + 1) + ": ";
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(where + "expected 'key = value', got (" + line + ")");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            try {
                if (key.equals("name")) {
                    check(name == null, "name", value, "is given twice");
                    check(NAME.matcher(value).matches(), "name", value, "must be letters, digits, '.', '_' or '-' (at most 64)");
                    name = value;
                } else if (key.equals("version")) {
                    version = checkText("version", value);
                } else if (key.equals("description")) {
                    description = checkText("description", value);
                } else if (key.startsWith("env.")) {
                    String var = key.substring(4);
                    check(ENV_NAME.matcher(var).matches(), key, var, "must be a shell variable name");
                    check(!env.containsKey(var), key, value, "is given twice");
                    env.put(var, checkText(key, value));
                } else if (key.equals("mount")) {
                    mounts.add(mount(value));
                } else if (key.startsWith("check.")) {
                    String check = key.substring(6);
                    checkCheck(check, value);
                    check(!checks.containsKey(check), key, value, "is given twice");
                    checks.put(check, value);
                } else {
                    throw new IllegalArgumentException("unknown field (" + key
                            + "); fields are name, version, description, env.NAME, mount, check.NAME");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
        }
        if (name == null) {
            throw new IllegalArgumentException(source + ": field name is missing");
        }
        return new RuntimeManifest(name, version, description, env, mounts, checks);
    }

    private static void checkCheck(String check, String command) {
        check(NAME.matcher(check).matches(), "check." + check, check, "must be letters, digits, '.', '_' or '-' (at most 64)");
        checkText("check." + check, command);
        check(!command.isBlank(), "check." + check, command, "must be a command");
    }

    /** {@code HOST:JOB[:ro|:rw]}; the host path must be absolute. */
    private static Volume mount(String value) {
        String[] parts = value.split(":", -1);
        check(parts.length == 2 || parts.length == 3, "mount", value, "must be HOST:JOB[:ro|:rw]");
        boolean writable = false;
        if (parts.length == 3) {
            check(parts[2].equals("ro") || parts[2].equals("rw"), "mount", value, "must end in :ro or :rw");
            writable = parts[2].equals("rw");
        }
        check(parts[0].startsWith("/"), "mount", value, "must name an absolute host path");
        try {
            return new Volume(Path.of(parts[0]), parts[1], writable);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field mount (" + value + "): " + e.getMessage(), e);
        }
    }

    private static String checkText(String field, String value) {
        check(value.indexOf('\n') < 0 && value.indexOf('\0') < 0, field, value.replace('\0', '?').replace('\n', ' '),
                "must be one line without NUL");
        return value;
    }

    private static void check(boolean ok, String field, String value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("field " + field + " (" + value + ") " + rule);
        }
    }

    /** The manifest as file text, which {@link #parse} reads back to an equal manifest. */
    public String format() {
        StringBuilder sb = new StringBuilder("# joblet runtime manifest\n");
        sb.append("name = ").append(name).append('\n');
        if (!version.isEmpty()) {
            sb.append("version = ").append(version).append('\n');
        }
        if (!description.isEmpty()) {
            sb.append("description = ").append(description).append('\n');
        }
        env.forEach((k, v) -> sb.append("env.").append(k).append(" = ").append(v).append('\n'));
        for (Volume m : mounts) {
            sb.append("mount = ").append(m.source()).append(':').append(m.target()).append(m.writable() ? ":rw" : ":ro")
                    .append('\n');
        }
        checks.forEach((k, v) -> sb.append("check.").append(k).append(" = ").append(v).append('\n'));
        return sb.toString();
    }

    public String name() {
        return name;
    }

    /** Free text, empty when not given. */
    public String version() {
        return version;
    }

    /** Free text, empty when not given. */
    public String description() {
        return description;
    }

    /** Variables every job of this runtime gets unless its spec sets them. */
    public Map<String, String> env() {
        return env;
    }

    /** Host paths bound into every job of this runtime, after the runtime's own tree. */
    public List<Volume> mounts() {
        return mounts;
    }

    /**
     * The runtime's smoke checks ({@code rnx runtime test}): check name to a command for the runtime's {@code /bin/sh
     * -c}, in the manifest's order; empty when it declares none.
     */
    public Map<String, String> checks() {
        return checks;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RuntimeManifest)) {
            return false;
        }
        RuntimeManifest m = (RuntimeManifest) o;
        return name.equals(m.name) && version.equals(m.version) && description.equals(m.description)
                && env.equals(m.env) && mounts.equals(m.mounts) && checks.equals(m.checks);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, version, description, env, mounts, checks);
    }

    @Override
    public String toString() {
        return "RuntimeManifest{" + name + (version.isEmpty() ? "" : " " + version) + "}";
    }
}
