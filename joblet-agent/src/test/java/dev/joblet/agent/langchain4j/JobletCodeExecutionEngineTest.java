package dev.joblet.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.agent.Language;
import dev.joblet.agent.Sandbox;
import dev.joblet.agent.SandboxSession;
import dev.joblet.testing.NeedsRoot;
import dev.langchain4j.code.CodeExecutionEngine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@NeedsRoot("for namespaces and cgroups")
class JobletCodeExecutionEngineTest {
    @TempDir
    Path root;

    @Test
    void executesPythonAndReportsStatusAndOutput() {
        CodeExecutionEngine engine = JobletCodeExecutionEngine.of(Sandbox.builder().build(), Language.PYTHON3);
        assertThat(engine.execute("print(sum(range(10)))")).startsWith("status: EXITED, exit code 0, ").endsWith("stdout:\n45\nstderr:\n");
        assertThat(engine.execute("raise SystemExit(3)")).startsWith("status: EXITED, exit code 3");
    }

    @Test
    void codeTheSandboxRefusesComesBackAsErrorText() {
        CodeExecutionEngine engine = JobletCodeExecutionEngine.of(Sandbox.builder().build(), Language.BASH);
        assertThat(engine.execute("x".repeat(Sandbox.MAX_CODE_BYTES + 1))).startsWith("error: code (100001 bytes) must be at most");
    }

    @Test
    void sessionBackedCallsShareWork() throws Exception {
        try (SandboxSession s = Sandbox.builder().sessionRoot(root).build().openSession()) {
            CodeExecutionEngine engine = JobletCodeExecutionEngine.of(s, Language.BASH);
            engine.execute("echo remembered > note");
            assertThat(engine.execute("cat note")).contains("stdout:\nremembered\n");
        }
    }

    @Test
    void interpreterBackedCallsKeepStateAndReturnTheLastValue() throws Exception {
        try (SandboxSession s = Sandbox.builder().sessionRoot(root).build().openSession()) {
            CodeExecutionEngine engine = JobletCodeExecutionEngine.interpreter(s, Language.PYTHON3);
            assertThat(engine.execute("sum(range(10))")).isEqualTo("45");
            assertThat(engine.execute("n = 6")).isEmpty();
            assertThat(engine.execute("print('n is', n)\nn * 7")).isEqualTo("n is 6\n42");
            assertThat(engine.execute("undefined_name")).startsWith("status: ERROR").contains("NameError");
        }
    }
}
