/**
 * The job engine: a queue in front of {@link dev.joblet.JobSpec#start()} with a concurrency limit, priorities,
 * delayed and scheduled starts, exclusive core allocation and a registry of jobs. Start with
 * {@link dev.joblet.engine.JobEngine#builder()}; replace the decisions with a
 * {@link dev.joblet.engine.SchedulingPolicy}.
 */
@NullMarked
package dev.joblet.engine;

import org.jspecify.annotations.NullMarked;
