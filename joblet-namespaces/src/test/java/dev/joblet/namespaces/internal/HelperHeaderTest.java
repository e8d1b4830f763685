package dev.joblet.namespaces.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.MountOp;
import dev.joblet.namespaces.Stage;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * helper.h and its Java twins ({@link Protocol}, {@link Stage}, {@link MountOp.Kind}) say the same: every constant
 * of helper.h (each {@code #define} and enum member, its value computed as C would) has a Java twin with the same
 * value, and every Java constant of the protocol has one in helper.h, but for the few listed here with the reason.
 * A constant added, renamed or changed on one side only fails this test. No privileges needed.
 */
class HelperHeaderTest {

    /** helper.h constants without a Java twin, and why. */
    private static final Map<String, String> C_ONLY = Map.of(
            "MSG_ROOT_BUILT", "child to supervisor only",
            "MSG_MAPS_WRITTEN", "supervisor to child only",
            "GO_SIZE", "the size of MSG_MAPS_WRITTEN, supervisor to child only",
            "CONFIG_MAX_BYTES", "the helper's own limit; the JVM sends what it encodes and gets EMSGSIZE back");

    /** Java constants of Protocol without a twin in helper.h, and why. */
    private static final Map<String, String> JAVA_ONLY = Map.of(
            "CLD_EXITED", "the kernel's si_code (signal.h), relayed by MSG_EXIT",
            "CLD_KILLED", "the kernel's si_code (signal.h), relayed by MSG_EXIT",
            "CLD_DUMPED", "the kernel's si_code (signal.h), relayed by MSG_EXIT");

    static Map<String, Object> helperConstants() throws IOException {
        return HeaderConstants.parse(Files.readString(Path.of("src/main/c/helper.h")));
    }

    /** The Java twin of every constant, by its C name. */
    static Map<String, Object> javaConstants() throws IllegalAccessException {
        Map<String, Object> twins = new LinkedHashMap<>();
        for (Field f : Protocol.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m)
                    && (f.getType() == int.class || f.getType() == String.class)) {
                Object v = f.get(null);
                twins.put(f.getName(), v instanceof Integer i ? Integer.toUnsignedLong(i) : v);
            }
        }
        for (Stage s : Stage.values()) {
            if (s != Stage.SPAWN && s != Stage.PROTOCOL) {
                twins.put("ST_" + s.name(), (long) s.code());
            }
        }
        for (MountOp.Kind k : MountOp.Kind.values()) {
            twins.put("MNT_" + k.name(), (long) k.code());
        }
        twins.put("CAPS_ALL", LaunchRequest.ALL_CAPABILITIES);
        return twins;
    }

    @Test
    void everyHelperConstantHasAJavaTwinWithTheSameValue() throws Exception {
        Map<String, Object> c = helperConstants();
        Map<String, Object> java = javaConstants();
        assertThat(c).as("constants parsed from helper.h").hasSizeGreaterThan(60);
        Set<String> missing = new TreeSet<>();
        for (Map.Entry<String, Object> e : c.entrySet()) {
            if (C_ONLY.containsKey(e.getKey())) {
                assertThat(java).as("%s is listed as C-only", e.getKey()).doesNotContainKey(e.getKey());
                continue;
            }
            if (!java.containsKey(e.getKey())) {
                missing.add(e.getKey());
                continue;
            }
            assertThat(java.get(e.getKey())).as("the Java twin of %s", e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(missing).as("helper.h constants without a Java twin").isEmpty();
        assertThat(c).as("every C-only constant exists").containsKeys(C_ONLY.keySet().toArray(new String[0]));
    }

    @Test
    void everyJavaConstantOfTheProtocolIsInHelperH() throws Exception {
        Map<String, Object> c = helperConstants();
        Set<String> missing = new TreeSet<>();
        for (String name : javaConstants().keySet()) {
            if (!c.containsKey(name) && !JAVA_ONLY.containsKey(name)) {
                missing.add(name);
            }
        }
        assertThat(missing).as("Java constants without a twin in helper.h").isEmpty();
    }

    @Test
    void stageCodesAreUniqueAndJavaOnlyStagesAreApart() throws Exception {
        Map<String, Object> c = helperConstants();
        Set<Object> codes = new java.util.HashSet<>();
        c.forEach((name, v) -> {
            if (name.startsWith("ST_")) {
                assertThat(codes.add(v)).as("the code of %s (%s) is its own", name, v).isTrue();
            }
        });
        for (Stage s : List.of(Stage.SPAWN, Stage.PROTOCOL)) {
            assertThat(codes).as("Java-only stage %s", s).doesNotContain((long) s.code());
        }
    }

    @Test
    void messageKindsAreUniqueFourLetterWords() throws Exception {
        Map<String, Object> c = helperConstants();
        Set<Object> kinds = new java.util.HashSet<>();
        c.forEach((name, v) -> {
            if (name.startsWith("MSG_")) {
                long k = (Long) v;
                assertThat(kinds.add(k)).as("the kind of %s is its own", name).isTrue();
                for (int i = 0; i < 4; i++) {
                    assertThat((char) (k >>> (8 * i) & 0xff)).as("letter %d of %s", i, name).isBetween('A', 'Z');
                }
            }
        });
    }

    @Test
    void theParserComputesWhatCWould() {
        Map<String, Object> c = HeaderConstants.parse("""
                /* a comment with FAKE = 3, in it */
                #define HEX 0x10u
                #define SHIFTED (1u << 17)
                #define WORD "w"
                #define FN(x) ((x) + 1)
                #define ALL (~(uint64_t)0)
                enum e { A = 1, B, C = 1u << 4, /* D = 9 */ E = A | C, };
                """);
        assertThat(c).containsExactlyInAnyOrderEntriesOf(Map.of("HEX", 16L, "SHIFTED", 1L << 17, "WORD", "w", "ALL", -1L,
                "A", 1L, "B", 2L, "C", 16L, "E", 17L));
        assertThatThrownBy(() -> HeaderConstants.parse("enum { X = sizeof(int) };"))
                .hasMessageContaining("X").hasMessageContaining("sizeof");
    }

    /** The constants of a C header: {@code #define NAME value} and enum members, values as C computes them. */
    static final class HeaderConstants {
        private static final Pattern DEFINE = Pattern.compile("^#define\\s+(\\w+)([ \\t(]?)(.*)$", Pattern.MULTILINE);
        private static final Pattern ENUM = Pattern.compile("\\benum\\s*\\w*\\s*\\{([^}]*)\\}");

        static Map<String, Object> parse(String header) {
            String h = header.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
            Map<String, Object> out = new LinkedHashMap<>();
            Matcher d = DEFINE.matcher(h);
            while (d.find()) {
                String name = d.group(1);
                String value = d.group(3).trim();
                if (d.group(2).equals("(") || value.isEmpty()) {
                    continue; // a function-like macro or an include guard
                }
                if (d.group(2).isEmpty()) {
                    continue;
                }
                out.put(name, value.startsWith("\"") ? value.substring(1, value.length() - 1) : eval(name, value, out));
            }
            Matcher e = ENUM.matcher(h);
            while (e.find()) {
                long next = 0;
                for (String member : e.group(1).split(",")) {
                    String m = member.trim();
                    if (m.isEmpty()) {
                        continue;
                    }
                    int eq = m.indexOf('=');
                    String name = (eq < 0 ? m : m.substring(0, eq)).trim();
                    long v = eq < 0 ? next : eval(name, m.substring(eq + 1).trim(), out);
                    out.put(name, v);
                    next = v + 1;
                }
            }
            return out;
        }

        /** {@code |}, {@code <<}, {@code ~}, parentheses, casts to an integer type, literals and earlier names. */
        static long eval(String name, String expr, Map<String, Object> known) {
            return new Eval(name, expr, known).all();
        }

        private static final class Eval {
            private static final Pattern TOKEN = Pattern.compile(
                    "\\s*\\((u?int(?:8|16|32|64)_t)\\)|\\s*(0[xX][0-9A-Fa-f]+|\\d+)[uUlL]*|\\s*(<<|[|~()])|\\s*(\\w+)");
            private final String name, expr;
            private final Map<String, Object> known;
            private int pos;

            Eval(String name, String expr, Map<String, Object> known) {
                this.name = name;
                this.expr = expr;
                this.known = known;
            }

            long all() {
                long v = or();
                if (pos != expr.length()) {
                    throw fail();
                }
                return v;
            }

            private long or() {
                long v = shift();
                while (accept("|")) {
                    v |= shift();
                }
                return v;
            }

            private long shift() {
                long v = unary();
                while (accept("<<")) {
                    v <<= unary();
                }
                return v;
            }

            private long unary() {
                skipSpaces();
                Matcher m = TOKEN.matcher(expr).region(pos, expr.length());
                if (!m.lookingAt()) {
                    throw fail();
                }
                if (m.group(1) != null) { // a cast: C's value of the same bits
                    pos = m.end();
                    return unary();
                }
                if (accept("~")) {
                    return ~unary();
                }
                if (accept("(")) {
                    long v = or();
                    if (!accept(")")) {
                        throw fail();
                    }
                    return v;
                }
                if (m.group(2) != null) {
                    pos = m.end();
                    return Long.decode(m.group(2));
                }
                if (m.group(4) != null && known.get(m.group(4)) instanceof Long v) {
                    pos = m.end();
                    return v;
                }
                throw fail();
            }

            private boolean accept(String op) {
                skipSpaces();
                if (expr.startsWith(op, pos)) {
                    pos += op.length();
                    return true;
                }
                return false;
            }

            private void skipSpaces() {
                while (pos < expr.length() && Character.isWhitespace(expr.charAt(pos))) {
                    pos++;
                }
            }

            private IllegalArgumentException fail() {
                return new IllegalArgumentException("helper.h: cannot compute " + name + " = " + expr + " (at " + pos + ")");
            }
        }
    }
}
