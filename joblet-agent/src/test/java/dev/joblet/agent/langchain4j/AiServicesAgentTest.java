package dev.joblet.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.agent.Sandbox;
import dev.joblet.agent.SandboxSession;
import dev.joblet.testing.NeedsRoot;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent loop as LangChain4j runs it ({@link AiServices} calling {@link SandboxTools}), offline: a scripted
 * model writes a file, keeps state across three cells of the live interpreter, and reads a background
 * process's output; its answer is made of what the sandbox really returned.
 */
@NeedsRoot("for namespaces and cgroups")
class AiServicesAgentTest {
    @TempDir
    Path root;

    interface Assistant {
        String chat(String question);
    }

    /**
     * Plays one tool call per turn; each call may depend on the result the previous turn got back (as a real
     * model's would), and the last turn answers from the results.
     */
    static final class ScriptedModel implements ChatModel {
        final List<String> results = new ArrayList<>();
        private int turn;

        @Override
        public ChatResponse doChat(ChatRequest request) {
            List<ChatMessage> m = request.messages();
            if (m.get(m.size() - 1) instanceof ToolExecutionResultMessage r) {
                results.add(r.text());
            }
            String last = results.isEmpty() ? "" : results.get(results.size() - 1);
            turn++;
            switch (turn) {
                case 1:
                    return call("write_file", "{\"path\": \"data/n.txt\", \"content\": \"100\"}");
                case 2:
                    return call("run_cell", "{\"code\": \"x = int(open('/work/data/n.txt').read())\"}");
                case 3:
                    return call("run_cell", "{\"code\": \"y = x * 4\"}");
                case 4:
                    return call("run_cell", "{\"code\": \"x + y\"}");
                case 5:
                    return call("start_process", "{\"command\": \"sleep 0.3; echo background says $(( 6 * 7 ))\"}");
                case 6: {
                    Matcher id = Pattern.compile("started process (\\S+)").matcher(last);
                    return call("process_output", "{\"id\": \"" + (id.find() ? id.group(1) : "none")
                            + "\", \"wait_ms\": 5000}");
                }
                default: {
                    Matcher value = Pattern.compile("value:\\n?\\s*(\\d+)").matcher(results.get(3));
                    Matcher bg = Pattern.compile("background says (\\d+)").matcher(last);
                    return ChatResponse.builder().aiMessage(AiMessage.from("cells gave " + (value.find() ? value.group(1) : "?")
                            + ", the process said " + (bg.find() ? bg.group(1) : "?"))).build();
                }
            }
        }

        private static ChatResponse call(String tool, String json) {
            return ChatResponse.builder().aiMessage(AiMessage.from(
                    ToolExecutionRequest.builder().id(tool + "-1").name(tool).arguments(json).build())).build();
        }
    }

    @Test
    void aScriptedModelWritesAFileKeepsStateAcrossCellsAndReadsABackgroundProcess() throws Exception {
        ScriptedModel model = new ScriptedModel();
        try (Sandbox sandbox = Sandbox.builder().sessionRoot(root).build();
                SandboxSession session = sandbox.openSession()) {
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(model)
                    .tools(new SandboxTools(session)).build();
            String answer = assistant.chat("Compute x + 4x from data/n.txt and ask the background worker.");
            assertThat(model.results).as(String.join("\n---\n", model.results)).hasSize(6);
            assertThat(answer).as(String.join("\n---\n", model.results)).isEqualTo("cells gave 500, the process said 42");
            assertThat(session.readText("data/n.txt")).isEqualTo("100"); // the file the model wrote is really there
        }
    }
}
