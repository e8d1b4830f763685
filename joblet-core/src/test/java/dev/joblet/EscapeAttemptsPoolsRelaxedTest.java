package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.testing.NeedsRoot;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attempts of {@link EscapeAttemptsPools} fail for the right reason: each escapes once the one option named for
 * it turns its defence off (and {@code EscapeSuiteTest} sees each fail with the defaults).
 */
@NeedsRoot("to run real jobs")
class EscapeAttemptsPoolsRelaxedTest {
    static Stream<Arguments> relaxed() {
        return EscapeAttempts.all().stream().filter(a -> EscapeAttemptsPools.relaxations().containsKey(a.name()))
                .map(a -> Arguments.of(a, EscapeAttemptsPools.relaxations().get(a.name())));
    }

    @Test
    void everyAttemptHasItsRelaxation() {
        assertThat(relaxed()).hasSize(EscapeAttemptsPools.relaxations().size());
    }

    @ParameterizedTest(name = "{0}, defence relaxed")
    @MethodSource("relaxed")
    void attemptEscapesWithItsDefenceRelaxed(EscapeAttempts.Attempt attempt, UnaryOperator<JobSpec.Builder> relax)
            throws Exception {
        JobSpec.Builder b = attempt.spec().apply(Joblet.builder().command("python3", "-c",
                EscapeAttempts.PRELUDE + attempt.python()));
        try (Job job = relax.apply(b).start()) {
            JobResult r = job.await();
            String out = job.stdout().text() + job.stderr().text();
            assertThat(out).as("output").contains("ESCAPED");
            assertThat(r.exitCode()).as("exit code; output: %s", out).hasValue(1);
        }
    }
}
