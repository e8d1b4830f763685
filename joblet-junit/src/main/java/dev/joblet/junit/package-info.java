/**
 * JUnit Jupiter support: declare a sandboxed fixture process with {@link JobletFixture} on a test's parameter of
 * type {@link FixtureProcess}; {@link JobletExtension} starts it, waits until it is ready, injects the handle, and
 * after the test stops it and fails the test if anything of it is left behind.
 */
@NullMarked
package dev.joblet.junit;

import org.jspecify.annotations.NullMarked;
