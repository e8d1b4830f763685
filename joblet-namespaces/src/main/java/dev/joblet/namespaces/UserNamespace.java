package dev.joblet.namespaces;

/**
 * A new user namespace for a {@link LaunchRequest}'s job, with the contents of its {@code uid_map} and
 * {@code gid_map} (written by the helper from outside) and whether {@code setgroups} is denied first (needed when
 * the helper is not privileged).
 */
public record UserNamespace(String uidMap, String gidMap, boolean denySetgroups) {
    public UserNamespace {
        LaunchRequestChecks.requireNoNul("uidMap", uidMap);
        LaunchRequestChecks.requireNoNul("gidMap", gidMap);
    }
}
