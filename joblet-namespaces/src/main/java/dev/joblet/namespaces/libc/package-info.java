/**
 * The libc bindings' declarations, for jnr-ffi only (see {@link dev.joblet.namespaces.libc.LibC}). Not API: no
 * instance is reachable from here.
 */
@NullMarked
package dev.joblet.namespaces.libc;

import org.jspecify.annotations.NullMarked;
