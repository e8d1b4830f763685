package dev.joblet.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The jobs an engine knows, by id, in submission order, with ended jobs kept under a bound (the oldest ended are
 * forgotten first). Not thread-safe: the engine guards it with its lock.
 */
final class Registry {
    private final Map<String, JobHandle> jobs = new LinkedHashMap<>();
    private final ArrayDeque<JobHandle> ended = new ArrayDeque<>();
    private final int retainEnded;

    Registry(int retainEnded) {
        this.retainEnded = retainEnded;
    }

    void add(JobHandle h) {
        jobs.put(h.id(), h);
    }

    @Nullable JobHandle get(String id) {
        return jobs.get(id);
    }

    List<JobHandle> all() {
        return List.copyOf(jobs.values());
    }

    /**
     * Records that {@code h} reached a terminal state, forgetting the oldest ended jobs beyond the bound; returns
     * the forgotten ones (whose jobs the engine then closes).
     */
    List<JobHandle> ended(JobHandle h) {
        ended.add(h);
        List<JobHandle> forgotten = List.of();
        while (ended.size() > retainEnded) {
            JobHandle old = ended.poll();
            jobs.remove(old.id());
            if (forgotten.isEmpty()) {
                forgotten = new ArrayList<>();
            }
            forgotten.add(old);
        }
        return forgotten;
    }

    Optional<JobHandle> find(String idOrPrefix) {
        if (idOrPrefix.isEmpty()) {
            throw new IllegalArgumentException("job id () must not be empty");
        }
        JobHandle exact = jobs.get(idOrPrefix);
        if (exact != null) {
            return Optional.of(exact);
        }
        List<String> matches = new ArrayList<>();
        for (String id : jobs.keySet()) {
            if (id.startsWith(idOrPrefix)) {
                matches.add(id);
            }
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("job (" + idOrPrefix + ") is ambiguous: it starts " + matches.size()
                    + " ids (" + String.join(", ", matches.subList(0, Math.min(5, matches.size())))
                    + (matches.size() > 5 ? ", ..." : "") + ")");
        }
        return matches.isEmpty() ? Optional.empty() : Optional.ofNullable(jobs.get(matches.get(0)));
    }
}
