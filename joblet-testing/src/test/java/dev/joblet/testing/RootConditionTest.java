package dev.joblet.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

class RootConditionTest {
    @Test
    void theEffectiveUidIsTheSecondNumberOfTheUidLine() {
        assertThat(RootCondition.effectiveUid(List.of("Name:\tjava", "Uid:\t1000\t0\t0\t0", "Gid:\t1000\t1000\t1000\t1000")))
                .isZero();
        assertThat(RootCondition.effectiveUid(List.of("Uid:\t0\t1000\t0\t0"))).isEqualTo(1000);
    }

    @Test
    void aStatusWithoutAUidLineIsAnErrorNamingIt() {
        assertThatThrownBy(() -> RootCondition.effectiveUid(List.of("Name:\tjava")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Uid:");
    }

    @Test
    void anotherUserIsSkippedWithTheReasonAndTheUid() {
        ConditionEvaluationResult r = RootCondition.evaluate("to create cgroups", 1000);
        assertThat(r.isDisabled()).isTrue();
        assertThat(r.getReason()).hasValue("needs root to create cgroups (effective uid 1000)");
        assertThat(RootCondition.evaluate("to create cgroups", 0).isDisabled()).isFalse();
    }

    @Test
    @NeedsRoot("to check that a root-only test runs as root")
    void aRootOnlyTestRunsAsRootOnly() {
        assertThat(ProcessHandle.current().info().user()).hasValue("root");
    }
}
