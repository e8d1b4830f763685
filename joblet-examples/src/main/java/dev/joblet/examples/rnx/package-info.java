/**
 * {@code rnx}, the command line: {@code rnx job run [OPTIONS] [--] COMMAND [ARGS...]} runs one job with the
 * library and relays its output and exit status. Entry point: {@link dev.joblet.examples.rnx.Rnx}.
 */
@NullMarked
package dev.joblet.examples.rnx;

import org.jspecify.annotations.NullMarked;
