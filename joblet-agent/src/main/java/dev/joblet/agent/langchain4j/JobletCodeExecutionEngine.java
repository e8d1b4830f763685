package dev.joblet.agent.langchain4j;

import dev.joblet.JobletException;
import dev.joblet.agent.CellResult;
import dev.joblet.agent.ExecutionResult;
import dev.joblet.agent.Language;
import dev.joblet.agent.Sandbox;
import dev.joblet.agent.SandboxSession;
import dev.langchain4j.code.CodeExecutionEngine;
import java.util.Objects;

/**
 * LangChain4j's {@link CodeExecutionEngine} backed by a Joblet sandbox: every {@link #execute} runs the code as
 * an isolated, limited job and returns {@link ExecutionResult#toToolText()} (status line, stdout, stderr), so a
 * model sees failures, timeouts and truncation rather than only stdout. Backed by a {@link Sandbox}, each call
 * starts clean; backed by a {@link SandboxSession}, calls share {@code /work}; with {@link #interpreter}, calls are
 * cells of the session's live interpreter and return the last expression's value. Thread-safe.
 *
 * <p>Code the sandbox refuses (too long, NUL characters) comes back as an {@code error:} text for the model to
 * correct. A sandbox that cannot start at all (interpreter missing, host not set up) is not the model's doing:
 * it throws {@link IllegalStateException}.
 */
public final class JobletCodeExecutionEngine implements CodeExecutionEngine {
    private final Runner runner;
    private final Language language;

    @FunctionalInterface
    private interface Runner {
        String run(Language language, String code) throws JobletException, InterruptedException;
    }

    private JobletCodeExecutionEngine(Runner runner, Language language) {
        this.runner = runner;
        this.language = Objects.requireNonNull(language, "language");
    }

    /** Each call runs in a fresh sandbox. */
    public static JobletCodeExecutionEngine of(Sandbox sandbox, Language language) {
        Objects.requireNonNull(sandbox, "sandbox");
        return new JobletCodeExecutionEngine((l, c) -> sandbox.run(l, c).toToolText(), language);
    }

    /** Calls share the session's {@code /work}. */
    public static JobletCodeExecutionEngine of(SandboxSession session, Language language) {
        Objects.requireNonNull(session, "session");
        return new JobletCodeExecutionEngine((l, c) -> session.run(l, c).toToolText(), language);
    }

    /**
     * Calls run as cells of the session's live interpreter ({@link SandboxSession#runCode}), as LangChain4j's
     * GraalVM engine does: state persists between calls, and a cell that succeeds returns the value of its last
     * expression ({@code sum(range(10))} gives {@code "45"}), after its stdout if it printed any, or its stdout when
     * it has no value. A cell that fails returns {@link CellResult#toToolText()} (status, traceback).
     */
    public static JobletCodeExecutionEngine interpreter(SandboxSession session, Language language) {
        Objects.requireNonNull(session, "session");
        return new JobletCodeExecutionEngine((l, c) -> notebookText(session.runCode(l, c)), language);
    }

    private static String notebookText(CellResult r) {
        if (!r.isSuccess()) {
            return r.toToolText();
        }
        return r.value().map(v -> r.stdout() + v).orElse(r.stdout());
    }

    public Language language() {
        return language;
    }

    @Override
    public String execute(String code) {
        try {
            return runner.run(language, code);
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        } catch (JobletException e) {
            throw new IllegalStateException("the sandbox could not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the code ran; it was killed", e);
        }
    }
}
