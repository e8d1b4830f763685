package dev.joblet.agent;

import dev.joblet.namespaces.HostFiles;
import java.io.IOException;

/** Removal of a session's files through descriptors only: a link or a swapped directory is never followed. Stateless. */
final class FileTrees {
    private static final int ENOENT = 2, EISDIR = 21, ENOTEMPTY = 39;

    private FileTrees() {}

    /** Removes the directory {@code name} of {@code parent} and everything in it, through descriptors only. */
    static void removeTree(int parent, byte[] name) throws IOException {
        int pathFd = HostFiles.openDirectoryEntry(parent, name); // a link swapped in: ELOOP/ENOTDIR, nothing removed
        try {
            int d = HostFiles.reopenDirectory(pathFd);
            try {
                for (HostFiles.Entry e : HostFiles.list(d)) {
                    HostFiles.Stat st = HostFiles.statEntry(d, e.name());
                    if (st == null) {
                        continue;
                    }
                    if (st.isDirectory()) {
                        removeTree(d, e.name());
                    } else {
                        unlinkIfPresent(d, e.name(), false);
                    }
                }
            } finally {
                HostFiles.close(d);
            }
        } finally {
            HostFiles.close(pathFd);
        }
        try {
            HostFiles.unlink(parent, name, true);
        } catch (HostFiles.ErrnoException e) {
            if (e.errno() != ENOENT && e.errno() != ENOTEMPTY) {
                throw e;
            }
            if (e.errno() == ENOTEMPTY) { // a running job wrote into it meanwhile
                throw new IOException("not empty: a job wrote into it while it was removed", e);
            }
        }
    }

    static void unlinkIfPresent(int dir, byte[] name, boolean directory) throws IOException {
        try {
            HostFiles.unlink(dir, name, directory);
        } catch (HostFiles.ErrnoException e) {
            if (e.errno() == EISDIR) { // a file swapped for a directory
                removeTree(dir, name);
            } else if (e.errno() != ENOENT) {
                throw e;
            }
        }
    }
}
