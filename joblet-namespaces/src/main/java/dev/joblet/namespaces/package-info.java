/**
 * The launch path: spawning the native helper, the namespaces and root filesystem it builds, and
 * supervision of the launched job. Knows nothing of cgroups beyond the files a job must join.
 */
@NullMarked
package dev.joblet.namespaces;

import org.jspecify.annotations.NullMarked;
