package dev.joblet.namespaces;

/**
 * The size of a job's terminal in character cells, set on the pty before the command starts (see
 * {@link LaunchRequest#terminalSize()}). Both are 1 to 65535 (the kernel's {@code struct winsize} fields).
 */
public record TerminalSize(int rows, int columns) {
    /** The classic terminal's 24 rows of 80 columns. */
    public static final TerminalSize DEFAULT = new TerminalSize(24, 80);

    public TerminalSize {
        if (rows < 1 || rows > 0xFFFF) {
            throw new IllegalArgumentException("terminal rows must be 1 to 65535, got " + rows);
        }
        if (columns < 1 || columns > 0xFFFF) {
            throw new IllegalArgumentException("terminal columns must be 1 to 65535, got " + columns);
        }
    }

    @Override
    public String toString() {
        return rows + "x" + columns;
    }
}
