package dev.joblet.agent;

import java.util.Objects;

/**
 * One entry of a directory of a session's {@code /work}, as {@link SandboxSession#list} gives it: its name, its
 * type and its size in bytes (a link's size is the length of its text; a directory's is what the filesystem
 * says). Links are listed, never followed. Immutable.
 */
public final class FileEntry {
    /** What an entry is. */
    public enum Type {
        FILE, DIRECTORY, LINK, OTHER
    }

    private final String name;
    private final Type type;
    private final long size;

    FileEntry(String name, Type type, long size) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.size = size;
    }

    /** The entry's name (one component, never "." or ".."). */
    public String name() {
        return name;
    }

    public Type type() {
        return type;
    }

    public long size() {
        return size;
    }

    public boolean isDirectory() {
        return type == Type.DIRECTORY;
    }

    @Override
    public boolean equals(@org.jspecify.annotations.Nullable Object o) {
        return o instanceof FileEntry e && e.name.equals(name) && e.type == type && e.size == size;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, size);
    }

    /** E.g. {@code file a.txt 12}, {@code dir data 4096}. */
    @Override
    public String toString() {
        String t = switch (type) {
            case FILE -> "file";
            case DIRECTORY -> "dir";
            case LINK -> "link";
            case OTHER -> "other";
        };
        return t + " " + name + " " + size;
    }
}
