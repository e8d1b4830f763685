package dev.joblet.namespaces;

import java.io.ByteArrayOutputStream;

/**
 * A classic BPF program ({@code struct sock_filter[]}, 8 bytes per instruction, little-endian) for the
 * helper to install as the job's seccomp filter. Immutable and thread-safe: built once per policy and
 * shared by every job that uses it.
 */
public final class BpfProgram {
    /** No filter. */
    public static final BpfProgram NONE = new BpfProgram(new byte[0]);
    /** The kernel's limit on instructions in one filter (BPF_MAXINSNS). */
    public static final int MAX_INSTRUCTIONS = 4096;

    private final byte[] code;

    private BpfProgram(byte[] code) {
        this.code = code;
    }

    /** Copies {@code code}: whole instructions, at most {@link #MAX_INSTRUCTIONS}. */
    public static BpfProgram of(byte[] code) {
        if (code.length % 8 != 0 || code.length / 8 > MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("BPF program (" + code.length + " bytes) must be whole 8-byte instructions, at most "
                    + MAX_INSTRUCTIONS);
        }
        return new BpfProgram(code.clone());
    }

    public int instructions() {
        return code.length / 8;
    }

    /** A copy of the program's bytes. */
    public byte[] bytes() {
        return code.clone();
    }

    /** Appends the program to {@code out} without copying it first. */
    public void writeTo(ByteArrayOutputStream out) {
        out.write(code, 0, code.length);
    }
}
