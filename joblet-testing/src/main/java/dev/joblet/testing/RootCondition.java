package dev.joblet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Evaluates {@link NeedsRoot}: enabled when the effective uid (from {@code /proc/self/status}) is 0. The nearest
 * annotation gives the reason (a method's over its class's). Stateless and thread-safe.
 */
public final class RootCondition implements ExecutionCondition {
    private static final Path STATUS = Path.of("/proc/self/status");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        NeedsRoot needs = context.getElement()
                .flatMap(e -> AnnotationSupport.findAnnotation(e, NeedsRoot.class))
                .orElse(null);
        if (needs == null) {
            return ConditionEvaluationResult.enabled("no @NeedsRoot here");
        }
        return evaluate(needs.value(), effectiveUid(readStatus()));
    }

    static ConditionEvaluationResult evaluate(String neededFor, long euid) {
        return euid == 0
                ? ConditionEvaluationResult.enabled("runs as root")
                : ConditionEvaluationResult.disabled("needs root " + neededFor + " (effective uid " + euid + ")");
    }

    /** The effective uid in a {@code /proc/<pid>/status} text: the second number of its "Uid:" line. */
    static long effectiveUid(List<String> status) {
        for (String line : status) {
            if (line.startsWith("Uid:")) {
                String[] ids = line.substring(4).strip().split("\\s+", -1);
                if (ids.length >= 2) {
                    return Long.parseLong(ids[1]);
                }
            }
        }
        throw new IllegalStateException(STATUS + " has no \"Uid:\" line with an effective uid: " + status);
    }

    private static List<String> readStatus() {
        try {
            return Files.readAllLines(STATUS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS + " to learn whether this test runs as root", e);
        }
    }
}
