/**
 * Joblet: run Linux commands as isolated, resource-limited jobs. Start with {@link Joblet#builder()}.
 */
@NullMarked
package dev.joblet;

import org.jspecify.annotations.NullMarked;
