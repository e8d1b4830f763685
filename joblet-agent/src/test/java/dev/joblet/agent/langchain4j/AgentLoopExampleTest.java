package dev.joblet.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.MemorySize;
import dev.joblet.agent.Sandbox;
import dev.joblet.agent.SandboxSession;
import dev.joblet.testing.NeedsRoot;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example "agent loop": a chat model asks for tool calls, the loop runs them in a Joblet sandbox session and
 * feeds the results back until the model answers. The model here is scripted (no network), but the loop is the
 * one a real LangChain4j {@link ChatModel} would drive, and the answer depends on what the sandbox really computed.
 */
@NeedsRoot("for namespaces and cgroups")
class AgentLoopExampleTest {
    @TempDir
    Path root;

    /** The loop: ask, run every requested tool in the sandbox, answer back, until the model stops asking. */
    static String agentLoop(ChatModel model, SandboxTools tools, String question, int maxTurns) {
        List<ChatMessage> messages = new ArrayList<>(List.of(UserMessage.from(question)));
        for (int turn = 0; turn < maxTurns; turn++) {
            ChatResponse response = model.chat(ChatRequest.builder()
                    .messages(messages)
                    .toolSpecifications(tools.specifications())
                    .build());
            AiMessage ai = response.aiMessage();
            messages.add(ai);
            if (!ai.hasToolExecutionRequests()) {
                return ai.text();
            }
            for (ToolExecutionRequest call : ai.toolExecutionRequests()) {
                messages.add(tools.execute(call));
            }
        }
        throw new IllegalStateException("no answer after " + maxTurns + " turns");
    }

    /** A model that plays a fixed script of tool calls, then answers from the last tool result it was given. */
    static final class ScriptedModel implements ChatModel {
        final List<ChatRequest> seen = new ArrayList<>();
        private final List<ToolExecutionRequest> script;

        ScriptedModel(List<ToolExecutionRequest> script) {
            this.script = script;
        }

        @Override
        public ChatResponse doChat(ChatRequest request) {
            seen.add(request);
            int step = seen.size() - 1;
            if (step < script.size()) {
                return ChatResponse.builder().aiMessage(AiMessage.from(script.get(step))).build();
            }
            ChatMessage last = request.messages().get(request.messages().size() - 1);
            Matcher m = Pattern.compile("stdout:\\n(\\d+)").matcher(((ToolExecutionResultMessage) last).text());
            String answer = m.find() ? "The total is " + m.group(1) + "." : "I could not compute it.";
            return ChatResponse.builder().aiMessage(AiMessage.from(answer)).build();
        }
    }

    private static ToolExecutionRequest call(String id, String tool, String json) {
        return ToolExecutionRequest.builder().id(id).name(tool).arguments(json).build();
    }

    @Test
    void scriptedAgentWritesDataComputesInTheSandboxAndAnswers() throws Exception {
        Sandbox sandbox = Sandbox.builder()
                .memory(MemorySize.ofMegabytes(128))
                .timeout(Duration.ofSeconds(10))
                .sessionRoot(root)
                .build();
        ScriptedModel model = new ScriptedModel(List.of(
                call("1", "write_file", "{\"path\": \"sales.csv\", \"content\": \"region,amount\\nnorth,120\\nsouth,80\\n\"}"),
                call("2", "run_python", "{\"code\": \"import csv\\nrows = list(csv.DictReader(open('sales.csv')))\\n"
                        + "open('total', 'w').write(str(sum(int(r['amount']) for r in rows)))\"}"),
                call("3", "run_bash", "{\"script\": \"cat /work/total\"}")));
        try (SandboxSession session = sandbox.openSession()) {
            String answer = agentLoop(model, new SandboxTools(session), "What are the total sales?", 10);

            assertThat(answer).isEqualTo("The total is 200.");
            assertThat(model.seen).hasSize(4);
            assertThat(model.seen.get(0).toolSpecifications().stream().map(ToolSpecification::name).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("run_python", "run_bash", "write_file", "read_file", "run_cell",
                            "start_process", "process_output", "list_files", "make_directory", "remove_file");
            ToolExecutionResultMessage pythonResult = (ToolExecutionResultMessage) model.seen.get(2).messages().get(4);
            assertThat(pythonResult.id()).isEqualTo("2");
            assertThat(pythonResult.text()).startsWith("status: EXITED, exit code 0");
        }
    }

    @Test
    void toolMistakesComeBackToTheModelAsText() throws Exception {
        try (SandboxSession session = Sandbox.builder().sessionRoot(root).build().openSession()) {
            SandboxTools tools = new SandboxTools(session);
            assertThat(tools.execute(call("1", "rm_rf", "{}")).text()).startsWith("error: no tool named rm_rf");
            assertThat(tools.execute(call("2", "run_python", "{\"source\": \"1\"}")).text())
                    .isEqualTo("error: run_python needs the string argument(s) code");
            assertThat(tools.execute(call("3", "read_file", "not json")).text()).startsWith("error: arguments of read_file are not JSON");
            assertThat(tools.execute(call("4", "read_file", "{\"path\": \"../../etc/shadow\"}")).text())
                    .isEqualTo("error: get: path (../../etc/shadow) must not contain '..'");
            assertThat(tools.execute(call("5", "run_bash", "{\"script\": \"exit 7\"}")).text()).startsWith("status: EXITED, exit code 7");
        }
    }
}
