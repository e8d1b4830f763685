package dev.joblet.agent.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.joblet.agent.BackgroundProcess;
import dev.joblet.agent.FileEntry;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code @Tool} methods over one {@link SandboxSession}: run Python or bash (one-shot, or as notebook cells whose
 * state persists), start background processes and read their output, and list, write, read, remove files and make
 * directories in {@code /work}. The background processes it started are the session's (they end with it); this
 * object only remembers their handles by id. Hand an instance to LangChain4j's {@code AiServices.tools(...)}, or use {@link #specifications()}
 * and {@link #execute(ToolExecutionRequest)} in a loop of your own. Thread-safe (the session serializes calls).
 */
public final class SandboxTools {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SandboxSession session;
    private final JobletCodeExecutionEngine python;
    private final JobletCodeExecutionEngine bash;
    /** The background processes started through {@link #startProcess}, by id; they belong to the session. */
    private final Map<String, BackgroundProcess> processes = new ConcurrentHashMap<>();

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

    @Tool(name = "run_cell", value = "Runs a Python 3 cell in the sandbox's live interpreter: variables, imports and"
            + " files of earlier cells are kept; returns its status, stdout, stderr and the value of the last expression")
    public String runCell(@P(name = "code", value = "the Python 3 cell") String code) {
        try {
            return session.runCode(Language.PYTHON3, code).toToolText();
        } catch (dev.joblet.JobletException | IllegalArgumentException | IllegalStateException e) {
            return "error: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error: interrupted";
        }
    }

    @Tool(name = "start_process", value = "Starts a bash command in the background of the sandbox; it keeps running"
            + " beside later calls. Returns its id, for process_output")
    public String startProcess(@P(name = "command", value = "the bash command") String command) {
        try {
            BackgroundProcess p = session.start(command);
            processes.put(p.id(), p);
            return "started process " + p.id();
        } catch (dev.joblet.JobletException | IllegalArgumentException | IllegalStateException e) {
            return "error: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error: interrupted";
        }
    }

    @Tool(name = "process_output", value = "The output so far of a background process started with start_process,"
            + " after waiting up to wait_ms milliseconds for it to end")
    public String processOutput(@P(name = "id", value = "the id start_process returned") String id,
            @P(name = "wait_ms", value = "how long to wait for it to end, 0 to 10000", required = false) @org.jspecify.annotations.Nullable Integer waitMs) {
        BackgroundProcess p = processes.get(id);
        if (p == null) {
            return "error: no process " + id + "; started: " + processes.keySet();
        }
        try {
            long wait = waitMs == null ? 0 : Math.max(0, Math.min(10_000, waitMs));
            if (wait > 0) {
                p.waitFor(Duration.ofMillis(wait));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error: interrupted";
        }
        return "status: " + (p.isAlive() ? "running" : "ended" + p.exitCode().map(c -> ", exit code " + c).orElse(""))
                + "\nstdout:\n" + p.stdout() + (p.stdout().isEmpty() || p.stdout().endsWith("\n") ? "" : "\n")
                + "stderr:\n" + p.stderr();
    }

    @Tool(name = "list_files", value = "Lists a directory of /work of the sandbox: one line per entry, type, name, size")
    public String listFiles(@P(name = "path", value = "directory relative to /work; empty for /work") String path) {
        try {
            StringBuilder sb = new StringBuilder();
            for (FileEntry e : session.list(path)) {
                sb.append(e).append('\n');
            }
            return sb.length() == 0 ? "(empty)" : sb.toString();
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            return "error: " + e.getMessage();
        }
    }

    @Tool(name = "make_directory", value = "Makes a directory (and its parents) in /work of the sandbox")
    public String makeDirectory(@P(name = "path", value = "path relative to /work") String path) {
        try {
            session.makeDirectory(path);
            return "made /work/" + path;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            return "error: " + e.getMessage();
        }
    }

    @Tool(name = "remove_file", value = "Removes a file, link or directory (with its contents) from /work of the sandbox")
    public String removeFile(@P(name = "path", value = "path relative to /work") String path) {
        try {
            return session.remove(path) ? "removed /work/" + path : "nothing at /work/" + path;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
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
        String command = arg(args, "command");
        String id = arg(args, "id");
        JsonNode waitNode = args.get("wait_ms");
        Integer waitMs = waitNode != null && waitNode.canConvertToInt() ? Integer.valueOf(waitNode.asInt()) : null;
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
            case "run_cell":
                return code == null ? missing("run_cell", "code") : runCell(code);
            case "start_process":
                return command == null ? missing("start_process", "command") : startProcess(command);
            case "process_output":
                return id == null ? missing("process_output", "id") : processOutput(id, waitMs);
            case "list_files":
                return listFiles(path == null ? "" : path);
            case "make_directory":
                return path == null ? missing("make_directory", "path") : makeDirectory(path);
            case "remove_file":
                return path == null ? missing("remove_file", "path") : removeFile(path);
            default:
                return "error: no tool named " + request.name() + "; tools are run_python, run_bash, write_file, read_file,"
                        + " run_cell, start_process, process_output, list_files, make_directory, remove_file";
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
