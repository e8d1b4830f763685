/**
 * Run model-written code snippets in sandboxed jobs ({@link dev.joblet.agent.Sandbox}), and the LangChain4j
 * adapter in {@code dev.joblet.agent.langchain4j}. LangChain4j (and the Jackson it brings) is optional: only the
 * adapter needs it.
 */
// LangChain4j has no module name of its own (its jar's name gives langchain4j.core); its types are in the
// adapter's API, so a user of the adapter reads it too.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.joblet.agent {
    requires static transitive org.jspecify;
    requires org.slf4j;
    requires transitive dev.joblet;
    requires dev.joblet.namespaces;
    requires static transitive langchain4j.core;
    requires static com.fasterxml.jackson.databind;

    exports dev.joblet.agent;
    exports dev.joblet.agent.langchain4j;
    // LangChain4j finds and calls the @Tool methods of SandboxTools by reflection.
    opens dev.joblet.agent.langchain4j to langchain4j.core;
}
