package dev.joblet.agent;

import dev.joblet.JobletException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** The opening of a session: its identity, network and directory, each undone when a later one fails. Stateless. */
final class SessionOpening {
    private SessionOpening() {}

    static SandboxSession open(Sandbox sandbox, SessionOptions options, Duration idle, Path sessionRoot,
            long fileLimit) throws IOException, JobletException {
        dev.joblet.Security sec = sandbox.template().security();
        // The session's calls share /work, so they run as one host identity: pinned by the template, or one reserved
        // for the session's life (each call would otherwise get its own and could not write the last one's files).
        dev.joblet.ReservedIdentity reserved = sec.ownIdentity() ? sandbox.joblet().reserveIdentity() : null;
        dev.joblet.PrivateNetwork network = null;
        SessionDirectory dir = null;
        try {
            // The host ids the job's files belong to: its own uid, or the host ids its user namespace maps root to.
            int uid = reserved != null ? reserved.uid() : sec.rootInUserNamespace() ? sec.hostUid() : sec.uid();
            int gid = reserved != null ? reserved.gid() : sec.rootInUserNamespace() ? sec.hostGid() : sec.gid();
            if (!options.egress().isEmpty()) {
                network = SessionNetwork.create(sandbox.joblet(), options);
            }
            dir = SessionDirectory.create(sessionRoot, uid, gid, fileLimit);
            return new SandboxSession(sandbox, dir, idle, reserved, network);
        } catch (IOException | JobletException | RuntimeException e) {
            if (dir != null) {
                dir.delete();
            }
            if (network != null) {
                network.close();
            }
            if (reserved != null) {
                reserved.close();
            }
            throw e;
        }
    }
}
