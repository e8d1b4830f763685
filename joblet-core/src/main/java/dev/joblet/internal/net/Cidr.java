package dev.joblet.internal.net;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 network in CIDR notation, host bits zero. Immutable.
 *
 * @param base the network address as an unsigned 32-bit value in an int
 * @param prefix the prefix length, 0 to 32
 */
public record Cidr(int base, int prefix) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?");

    public Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix (" + prefix + ") must be 0 to 32");
        }
        if ((base & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException("cidr (" + format(base) + "/" + prefix + ") has host bits set: the network is "
                    + format(base & mask(prefix)) + "/" + prefix);
        }
    }

    /**
     * Parses {@code a.b.c.d/n} ({@code a.b.c.d} alone is a /32).
     *
     * @param field the name of the field the text came from, for the error message
     */
    public static Cidr parse(String field, String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(field + " (" + text + ") is not an IPv4 CIDR such as 10.1.0.0/24");
        }
        int a = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw new IllegalArgumentException(field + " (" + text + ") has an octet over 255");
            }
            a = a << 8 | octet;
        }
        int prefix = m.group(5) == null ? 32 : Integer.parseInt(m.group(5));
        if (prefix > 32) {
            throw new IllegalArgumentException(field + " (" + text + ") has a prefix over 32");
        }
        if ((a & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException(field + " (" + text + ") has host bits set: did you mean "
                    + format(a & mask(prefix)) + "/" + prefix + "?");
        }
        return new Cidr(a, prefix);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** Dotted-quad form of an address. */
    public static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 255) + "." + (address >>> 8 & 255) + "." + (address & 255);
    }

    /** Number of addresses, network and broadcast included (capped at 2^31 - 1 for a /0). */
    public long size() {
        return 1L << (32 - prefix);
    }

    public boolean overlaps(Cidr other) {
        int m = mask(Math.min(prefix, other.prefix));
        return (base & m) == (other.base & m);
    }

    public boolean contains(int address) {
        return (address & mask(prefix)) == base;
    }

    /** The address at {@code offset} from the network address. */
    public int address(int offset) {
        if (offset < 0 || offset >= size()) {
            throw new IllegalArgumentException("offset " + offset + " outside " + this);
        }
        return base + offset;
    }

    @Override
    public String toString() {
        return format(base) + "/" + prefix;
    }
}
