package dev.joblet.agent.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.joblet.agent.Language;
import dev.joblet.agent.SandboxSession;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * {@code @Tool} methods over one {@link SandboxSession}: run Python or bash, write and read files in
 * {@code /work}. Hand an instance to LangChain4j's {@code AiServices.tools(...)}, or use {@link #specifications()}
 * and {@link #execute(ToolExecutionRequest)} in a loop of your own. Thread-safe (the session serializes calls).
 */
public final class SandboxTools {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SandboxSession session;
    private final JobletCodeExecutionEngine python;
    private final JobletCodeExecutionEngine bash;

    public SandboxTools(SandboxSession session) {
        this.session = Objects.requireNonNull(session, "session");
        this.python = JobletCodeExecutionEngine.of(session, Language.PYTHON3);
        this.bash = JobletCodeExecutionEngine.of(session, Language.BASH);
    }

    @Tool(name = "run_python", value = "Runs a Python 3 program in a sandbox (no network; files in /work persist between"
            + " calls) and returns its status, stdout and stderr")
    public String runPython(@P(name = "code", value = "the Python 3 source to run") String code) {
        return python.execute(code);
    }

    @Tool(name = "run_bash", value = "Runs a bash script in a sandbox (no network; files in /work persist between calls)"
            + " and returns its status, stdout and stderr")
    public String runBash(@P(name = "script", value = "the bash script to run") String script) {
        return bash.execute(script);
    }

    @Tool(name = "write_file", value = "Writes a UTF-8 text file into /work of the sandbox")
    public String writeFile(@P(name = "path", value = "path relative to /work") String path,
            @P(name = "content", value = "the file's text") String content) {
        try {
            session.put(path, content.getBytes(StandardCharsets.UTF_8));
            return "wrote /work/" + path;
        } catch (IOException | IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
    }

    @Tool(name = "read_file", value = "Reads a UTF-8 text file from /work of the sandbox")
    public String readFile(@P(name = "path", value = "path relative to /work") String path) {
        try {
            return new String(session.get(path), StandardCharsets.UTF_8);
        } catch (IOException | IllegalArgumentException e) {
            return "error: " + e.getMessage();
        }
    }

    /** The specifications of this object's tools, to put into a {@code ChatRequest}. */
    public List<ToolSpecification> specifications() {
        return ToolSpecifications.toolSpecificationsFrom(this);
    }

    /** Runs the tool a model asked for; unknown tools and malformed arguments come back as {@code error:} text. */
    public ToolExecutionResultMessage execute(ToolExecutionRequest request) {
        return ToolExecutionResultMessage.from(request, dispatch(request));
    }

    private String dispatch(ToolExecutionRequest request) {
        JsonNode args;
        try {
            args = JSON.readTree(request.arguments() == null || request.arguments().isBlank() ? "{}" : request.arguments());
        } catch (IOException e) {
            return "error: arguments of " + request.name() + " are not JSON: " + e.getMessage();
        }
        String code = arg(args, "code");
        String script = arg(args, "script");
        String path = arg(args, "path");
        String content = arg(args, "content");
        switch (String.valueOf(request.name())) {
            case "run_python":
                return code == null ? missing("run_python", "code") : runPython(code);
            case "run_bash":
                return script == null ? missing("run_bash", "script") : runBash(script);
            case "write_file":
                if (path == null || content == null) {
                    return missing("write_file", "path and content");
                }
                return writeFile(path, content);
            case "read_file":
                return path == null ? missing("read_file", "path") : readFile(path);
            default:
                return "error: no tool named " + request.name() + "; tools are run_python, run_bash, write_file, read_file";
        }
    }

    private static @org.jspecify.annotations.Nullable String arg(JsonNode args, String name) {
        JsonNode n = args.get(name);
        return n == null || !n.isTextual() ? null : n.asText();
    }

    private static String missing(String tool, String what) {
        return "error: " + tool + " needs the string argument(s) " + what;
    }
}
