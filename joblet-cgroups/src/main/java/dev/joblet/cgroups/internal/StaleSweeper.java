package dev.joblet.cgroups.internal;

import dev.joblet.cgroups.CgroupException;
import dev.joblet.cgroups.JobCgroup;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the job cgroups of dead owners under {@code joblet/} directories. Touches only directories named
 * like an {@link OwnerTag} directly below a joblet directory, and the cgroups inside them. Stateless.
 */
public final class StaleSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(StaleSweeper.class);

    private StaleSweeper() {}

    /** Opens the job cgroup {@code jobName} of the owner directory {@code ownerDirName}. */
    @FunctionalInterface
    public interface JobOpener {
        JobCgroup open(String ownerDirName, String jobName);
    }

    /**
     * Removes the job cgroups this owner left behind whose processes are gone.
     *
     * @param jobletDirs the joblet directory of each hierarchy (one on v2)
     * @return the number of job cgroups removed (a job spanning several hierarchies counts once)
     */
    public static int sweep(CgroupFs fs, List<Path> jobletDirs, OwnerTag self, ProcessTable processes,
            JobOpener opener) {
        Map<String, Set<String>> deadOwners = new LinkedHashMap<>();
        for (Path jobletDir : jobletDirs) {
            List<Path> owners;
            try {
                owners = fs.subdirectories(jobletDir);
            } catch (CgroupException e) {
                LOG.debug("sweep skipped: {}", e.getMessage());
                continue;
            }
            for (Path ownerDir : owners) {
                String ownerName = ownerDir.getFileName().toString();
                Optional<OwnerTag> tag = OwnerTag.parse(ownerName);
                if (tag.isEmpty() || tag.get().equals(self) || !tag.get().isDead(processes)) {
                    continue;
                }
                Set<String> jobs = deadOwners.computeIfAbsent(ownerName, k -> new LinkedHashSet<>());
                try {
                    for (Path job : fs.subdirectories(ownerDir)) {
                        jobs.add(job.getFileName().toString());
                    }
                } catch (CgroupException e) {
                    LOG.debug("sweep: {}", e.getMessage());
                }
            }
        }
        int removed = 0;
        for (Map.Entry<String, Set<String>> owner : deadOwners.entrySet()) {
            for (String job : owner.getValue()) {
                try {
                    opener.open(owner.getKey(), job).remove();
                    removed++;
                    LOG.debug("swept stale job cgroup {}/{}", owner.getKey(), job);
                } catch (CgroupException | RuntimeException e) {
                    LOG.warn("cannot sweep stale job cgroup {}/{}: {}", owner.getKey(), job, e.getMessage());
                }
            }
            for (Path jobletDir : jobletDirs) {
                Path ownerDir = jobletDir.resolve(owner.getKey());
                try {
                    if (fs.exists(ownerDir) && fs.subdirectories(ownerDir).isEmpty()) {
                        fs.rmdir(ownerDir);
                    }
                } catch (CgroupException e) {
                    LOG.debug("sweep kept {}: {}", ownerDir, e.getMessage());
                }
            }
        }
        return removed;
    }
}
