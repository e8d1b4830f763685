/**
 * What the project's own tests share, below every module so that each can use it: {@link NeedsRoot}, the one way a
 * test says it needs root. Not part of the library and not published for its users.
 */
@NullMarked
package dev.joblet.testing;

import org.jspecify.annotations.NullMarked;
