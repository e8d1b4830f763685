/**
 * A tool-call sandbox for agents: run a model-written snippet ({@link Language#BASH} or {@link Language#PYTHON3})
 * as an isolated, resource-limited job and get one {@link ExecutionResult}; keep files between calls in a
 * {@link SandboxSession}. Start with {@link Sandbox#builder()}.
 */
@NullMarked
package dev.joblet.agent;

import org.jspecify.annotations.NullMarked;
