/**
 * The launch path: the native helper that builds a job's namespaces, mounts and privileges, and the Java side
 * that starts it ({@link dev.joblet.namespaces.Launcher}). The libc bindings, the wire protocol and the event loop
 * are in {@code dev.joblet.namespaces.internal}, which is not exported: nothing outside this module speaks the
 * helper's protocol or calls libc through it.
 */
// jnr-ffi and jnr-constants name their modules in their manifests only. HostFiles' public methods take and give
// jnr.ffi.Pointer, so a reader of this module reads jnr-ffi too.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.joblet.namespaces {
    requires static transitive org.jspecify;
    requires org.slf4j;
    requires transitive org.jnrproject.ffi;
    requires org.jnrproject.constants;
    // jnr-ffi generates its bindings with ASM, but as an automatic module it cannot say so: ASM's modules are
    // named modules, resolved only when some module requires them (these two bring the rest transitively).
    requires org.objectweb.asm.commons;
    requires org.objectweb.asm.util;

    exports dev.joblet.namespaces;
    // The libc bindings' interface, declarations only: jnr-ffi implements it in a class of an unnamed module of its
    // own class loader (a new one per load), which a qualified export cannot name. Its one instance stays in
    // dev.joblet.namespaces.internal.
    exports dev.joblet.namespaces.libc;
}
