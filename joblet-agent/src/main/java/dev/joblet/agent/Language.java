package dev.joblet.agent;

import java.util.List;
import java.util.Locale;

/** The interpreter a snippet runs in; the program must exist in the sandbox's runtime. */
public enum Language {
    /** {@code bash -c <code>}. */
    BASH("bash"),
    /** {@code python3 -c <code>}. */
    PYTHON3("python3"),
    /** {@code node -e <code>}; the runtime must have Node.js. */
    NODE("node");

    private final String program;

    Language(String program) {
        this.program = program;
    }

    /** The program run, looked up in the job's PATH. */
    public String program() {
        return program;
    }

    List<String> argv(String code) {
        return List.of(program, this == NODE ? "-e" : "-c", code);
    }

    /** Parses "bash", "sh", "python", "python3", "py", "node" or "js" (case-insensitive), as models tend to write them. */
    public static Language parse(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "bash":
            case "sh":
            case "shell":
                return BASH;
            case "python":
            case "python3":
            case "py":
                return PYTHON3;
            case "node":
            case "nodejs":
            case "js":
            case "javascript":
                return NODE;
            default:
                throw new IllegalArgumentException("language (" + name + ") must be bash, python3 or node");
        }
    }
}
