/** Implementation of {@code dev.joblet.cgroups}; not an API, may change at any time. */
@org.jspecify.annotations.NullMarked
package dev.joblet.cgroups.internal;
