/** Implementation of the launch path: libc bindings, the wire protocol, the event loop. Not API. */
@NullMarked
package dev.joblet.namespaces.internal;

import org.jspecify.annotations.NullMarked;
