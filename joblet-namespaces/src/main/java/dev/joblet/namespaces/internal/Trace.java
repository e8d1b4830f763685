package dev.joblet.namespaces.internal;

/** TEMPORARY timing probe. */
public final class Trace {
    public static final long[] SUM = new long[16];
    public static final long[] N = new long[16];
    public static volatile long t0;
    private Trace() {}
    public static void mark(int i) {
        long d = System.nanoTime() - t0;
        synchronized (SUM) { SUM[i] += d; N[i]++; }
    }
    public static String dump() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) if (N[i] > 0) sb.append(i).append(": ").append(SUM[i] / N[i] / 1000).append(" us (n=").append(N[i]).append(")\n");
        java.util.Arrays.fill(SUM, 0); java.util.Arrays.fill(N, 0);
        return sb.toString();
    }
}
