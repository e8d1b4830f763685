package dev.joblet.engine;

/**
 * Told of every state change of a job, in order, once per change. Called outside the engine's lock on the thread
 * that made the change (often the library's events thread): it must be quick and must not block. An exception it
 * throws is logged and ignored.
 */
@FunctionalInterface
public interface StateListener {
    void changed(JobHandle job, JobState from, JobState to);
}
