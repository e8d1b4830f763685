package dev.joblet.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The package sources the host's apt is configured with: {@code /etc/apt/sources.list} (one-line format) and
 * {@code /etc/apt/sources.list.d/*.list} and {@code *.sources} (deb822). Stateless and thread-safe.
 */
public final class AptSources {
    /**
     * One source: one URI, one suite and its components, as {@code deb [signed-by=...] URI SUITE COMPONENTS}.
     *
     * @param signedBy a keyring file, or null when the source names none (or an inline key)
     */
    public record Entry(String type, String uri, String suite, List<String> components, @Nullable String signedBy) {
        public Entry {
            components = List.copyOf(components);
        }

        /** The entry as a one-line sources.list line, as mmdebstrap takes its mirror arguments. */
        public String toLine() {
            return type + (signedBy == null ? "" : " [signed-by=" + signedBy + "]") + " " + uri + " " + suite + " "
                    + String.join(" ", components);
        }
    }

    private AptSources() {}

    /** Every enabled entry under {@code etcApt} (normally {@code /etc/apt}), in apt's order. */
    public static List<Entry> read(Path etcApt) throws IOException {
        List<Entry> out = new ArrayList<>();
        Path list = etcApt.resolve("sources.list");
        if (Files.isRegularFile(list)) {
            out.addAll(parseList(Files.readString(list, StandardCharsets.UTF_8)));
        }
        Path dir = etcApt.resolve("sources.list.d");
        if (Files.isDirectory(dir)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.sorted().collect(Collectors.toList());
            }
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (n.endsWith(".list")) {
                    out.addAll(parseList(Files.readString(f, StandardCharsets.UTF_8)));
                } else if (n.endsWith(".sources")) {
                    out.addAll(parseDeb822(Files.readString(f, StandardCharsets.UTF_8)));
                }
            }
        }
        return out;
    }

    /** The one-line format: {@code deb [opt=value ...] URI SUITE [COMPONENT...]}; comments and deb-src kept out. */
    public static List<Entry> parseList(String text) {
        List<Entry> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            String type = line.split("\\s+", 2)[0];
            String rest = line.substring(type.length()).strip();
            String signedBy = null;
            if (rest.startsWith("[")) {
                int end = rest.indexOf(']');
                if (end < 0) {
                    continue;
                }
                for (String opt : rest.substring(1, end).strip().split("\\s+")) {
                    if (opt.toLowerCase(Locale.ROOT).startsWith("signed-by=")) {
                        signedBy = keyring(opt.substring("signed-by=".length()));
                    }
                }
                rest = rest.substring(end + 1).strip();
            }
            String[] f = rest.split("\\s+");
            if (!type.equals("deb") || f.length < 2) {
                continue;
            }
            out.add(new Entry(type, f[0], f[1], Arrays.asList(f).subList(2, f.length), signedBy));
        }
        return out;
    }

    /**
     * deb822 ({@code .sources}): paragraphs of {@code Field: value} with continuation lines; each paragraph gives one
     * entry per URI and suite. {@code Enabled: no} paragraphs and types other than deb are left out.
     */
    public static List<Entry> parseDeb822(String text) {
        List<Entry> out = new ArrayList<>();
        for (Map<String, String> p : paragraphs(text)) {
            if (p.getOrDefault("enabled", "yes").equalsIgnoreCase("no")) {
                continue;
            }
            List<String> types = words(p.get("types"));
            if (!types.contains("deb")) {
                continue;
            }
            String signedBy = p.containsKey("signed-by") ? keyring(p.get("signed-by")) : null;
            for (String uri : words(p.get("uris"))) {
                for (String suite : words(p.get("suites"))) {
                    out.add(new Entry("deb", uri, suite, words(p.get("components")), signedBy));
                }
            }
        }
        return out;
    }

    private static List<Map<String, String>> paragraphs(String text) {
        List<Map<String, String>> out = new ArrayList<>();
        Map<String, String> cur = new LinkedHashMap<>();
        String last = null;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("#")) {
                continue;
            }
            if (line.isBlank()) {
                if (!cur.isEmpty()) {
                    out.add(cur);
                    cur = new LinkedHashMap<>();
                }
                last = null;
                continue;
            }
            if ((line.startsWith(" ") || line.startsWith("\t")) && last != null) {
                cur.put(last, cur.get(last) + "\n" + line.strip());
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            last = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            cur.put(last, line.substring(colon + 1).strip());
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    private static List<String> words(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return List.of(value.strip().split("\\s+"));
    }

    /** A keyring path; an inline key (several lines) or a fingerprint is not a path, so null. */
    private static @Nullable String keyring(String value) {
        String v = value.strip();
        return v.startsWith("/") && !v.contains("\n") && !v.contains(",") ? v : null;
    }

    /**
     * The entries that serve {@code codename} from Debian's archive: its own suite, {@code -updates} and
     * {@code -security}, with component main. The first one is the release itself; empty when none does.
     */
    public static List<Entry> forRelease(List<Entry> all, String codename) {
        List<Entry> out = new ArrayList<>();
        for (String suite : List.of(codename, codename + "-updates", codename + "-security")) {
            for (Entry e : all) {
                if (e.suite().equals(suite) && e.components().contains("main")) {
                    out.add(new Entry(e.type(), e.uri(), e.suite(), List.of("main"), e.signedBy()));
                    break;
                }
            }
        }
        return out.isEmpty() || !out.get(0).suite().equals(codename) ? List.of() : out;
    }

    /** {@code VERSION_CODENAME} from an os-release file (e.g. {@code bookworm}); null when absent. */
    public static @Nullable String codename(String osRelease) {
        for (String line : osRelease.split("\n")) {
            if (line.startsWith("VERSION_CODENAME=")) {
                String v = line.substring("VERSION_CODENAME=".length()).strip().replace("\"", "");
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }
}
