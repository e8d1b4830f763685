/**
 * LangChain4j integration (needs {@code dev.langchain4j:langchain4j-core} on the classpath):
 * {@link JobletCodeExecutionEngine} implements its {@code CodeExecutionEngine}, and {@link SandboxTools} offers
 * {@code @Tool} methods for running code and moving files in a {@link dev.joblet.agent.SandboxSession}.
 */
@NullMarked
package dev.joblet.agent.langchain4j;

import org.jspecify.annotations.NullMarked;
