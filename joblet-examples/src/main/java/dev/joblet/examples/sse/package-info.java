/** An example HTTP server that starts jobs and streams their logs to browsers as Server-Sent Events. */
@NullMarked
package dev.joblet.examples.sse;

import org.jspecify.annotations.NullMarked;
