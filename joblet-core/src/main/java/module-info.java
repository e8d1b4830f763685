/**
 * Joblet: run Linux commands as isolated, resource-limited jobs. The API is {@code dev.joblet} (start with
 * {@link dev.joblet.Joblet}) and the scheduler {@code dev.joblet.engine}; {@code dev.joblet.internal} and
 * {@code dev.joblet.internal.net} are not exported.
 *
 * <p>{@code dev.joblet.cgroups} is read transitively: its {@link dev.joblet.cgroups.IoLimit} is the type of
 * {@code JobSpec.Builder.io(...)}.
 */
module dev.joblet {
    requires static transitive org.jspecify;
    requires org.slf4j;
    requires transitive dev.joblet.cgroups;
    requires dev.joblet.namespaces;

    exports dev.joblet;
    exports dev.joblet.engine;
}
