package dev.joblet.cgroups.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/** A process table in memory: pid to start time; kill removes the pid and tells a listener. */
final class FakeProcessTable implements ProcessTable {
    final Map<Long, Long> startTimes = new ConcurrentHashMap<>();
    final List<Long> killed = Collections.synchronizedList(new ArrayList<>());
    private final long self;
    private final long pidNamespace;
    private volatile LongConsumer onKill = pid -> {};

    FakeProcessTable(long self, long selfStart, long pidNamespace) {
        this.self = self;
        this.pidNamespace = pidNamespace;
        startTimes.put(self, selfStart);
    }

    void onKill(LongConsumer listener) {
        this.onKill = listener;
    }

    @Override
    public long selfPid() {
        return self;
    }

    @Override
    public OptionalLong startTime(long pid) {
        Long start = startTimes.get(pid);
        return start == null ? OptionalLong.empty() : OptionalLong.of(start);
    }

    @Override
    public long pidNamespace() {
        return pidNamespace;
    }

    @Override
    public boolean kill(long pid) {
        killed.add(pid);
        startTimes.remove(pid);
        onKill.accept(pid);
        return true;
    }
}
