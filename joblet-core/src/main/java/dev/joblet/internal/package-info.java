/** Implementation of the public API. Not API: may change without notice. */
@NullMarked
package dev.joblet.internal;

import org.jspecify.annotations.NullMarked;
