package dev.joblet;

import java.util.BitSet;

/**
 * A set of CPU numbers, as in cpuset lists: {@code "0-3"}, {@code "1,3,5"}, {@code "0-1,4"}. Immutable.
 * {@link #toString()} gives the canonical list.
 */
public final class CpuSet {
    private static final int MAX_CPU = 8191;
    private final BitSet cpus;

    private CpuSet(BitSet cpus) {
        this.cpus = cpus;
    }

    /**
     * Parses a CPU list.
     *
     * @throws IllegalArgumentException naming the list and what is wrong with it
     */
    public static CpuSet parse(String list) {
        dev.joblet.internal.Args.nonNull(list, "cpus");
        BitSet set = new BitSet();
        String s = list.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("cpus (" + list + ") must not be empty");
        }
        for (String part : s.split(",", -1)) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("cpus (" + list + ") has an empty element");
            }
            int dash = part.indexOf('-');
            int lo = number(list, dash < 0 ? part : part.substring(0, dash));
            int hi = dash < 0 ? lo : number(list, part.substring(dash + 1));
            if (hi < lo) {
                throw new IllegalArgumentException("cpus (" + list + ") has a descending range " + part);
            }
            set.set(lo, hi + 1);
        }
        return new CpuSet(set);
    }

    private static int number(String list, String n) {
        if (n.isEmpty() || !n.chars().allMatch(Character::isDigit) || n.length() > 5) {
            throw new IllegalArgumentException("cpus (" + list + ") is not a CPU list like 0-3 or 1,3,5: bad number '" + n + "'");
        }
        int v = Integer.parseInt(n);
        if (v > MAX_CPU) {
            throw new IllegalArgumentException("cpus (" + list + ") names CPU " + v + ", above " + MAX_CPU);
        }
        return v;
    }

    public static CpuSet of(BitSet cpus) {
        dev.joblet.internal.Args.nonNull(cpus, "cpus");
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("cpus (" + cpus + ") must not be empty");
        }
        if (cpus.length() - 1 > MAX_CPU) {
            throw new IllegalArgumentException("cpus (" + cpus + ") names CPU " + (cpus.length() - 1) + ", above " + MAX_CPU);
        }
        return new CpuSet((BitSet) cpus.clone());
    }

    public BitSet toBitSet() {
        return (BitSet) cpus.clone();
    }

    public int size() {
        return cpus.cardinality();
    }

    public boolean contains(int cpu) {
        return cpus.get(cpu);
    }

    /** True when every CPU of this set is in {@code other}. */
    public boolean isSubsetOf(CpuSet other) {
        BitSet b = (BitSet) cpus.clone();
        b.andNot(other.cpus);
        return b.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuSet && ((CpuSet) o).cpus.equals(cpus);
    }

    @Override
    public int hashCode() {
        return cpus.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = cpus.nextSetBit(0); i >= 0; ) {
            int end = cpus.nextClearBit(i) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(i);
            if (end > i) {
                sb.append('-').append(end);
            }
            i = cpus.nextSetBit(end + 1);
        }
        return sb.toString();
    }
}
