package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stack a start acquires onto: undone last first, every undo run, failures kept, nothing after release. */
class UnwindTest {

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void undoesInReverseOrderOfAcquisition() {
        List<String> undone = new ArrayList<>();
        try (Unwind u = new Unwind()) {
            u.push(() -> undone.add("identity"));
            u.push(() -> undone.add("cgroup"));
            u.push(() -> undone.add("network"));
            assertThat(u.size()).isEqualTo(3);
        }
        assertThat(undone).containsExactly("network", "cgroup", "identity");
    }

    @Test
    void aFailingUndoDoesNotStopTheOthersAndTheLaterFailuresAreSuppressedInTheFirst() {
        List<String> undone = new ArrayList<>();
        IllegalStateException first = new IllegalStateException("cgroup busy");
        IOException second = new IOException("spill gone");
        Unwind u = new Unwind();
        u.push(() -> undone.add("identity"));
        u.push(() -> {
            throw second;
        });
        u.push(() -> undone.add("workspace"));
        u.push(() -> {
            throw first;
        });
        Throwable t = catchThrowable(u::close);
        assertThat(t).isSameAs(first);
        assertThat(t.getSuppressed()).containsExactly(second);
        assertThat(undone).containsExactly("workspace", "identity");
    }

    @Test
    void aCheckedFailureIsThrownUncheckedWithItsCause() {
        IOException e = new IOException("cannot remove");
        Unwind u = new Unwind();
        u.push(() -> {
            throw e;
        });
        assertThatThrownBy(u::close).isInstanceOf(Unwind.UnwindException.class).hasCause(e)
                .hasMessageContaining("cannot remove");
    }

    @Test
    void theFailureThatEndedTheStartKeepsTheUndoFailuresSuppressed() {
        IllegalStateException undoFailed = new IllegalStateException("cannot remove cgroup");
        RuntimeException launchFailed = new RuntimeException("launch failed");
        List<String> undone = new ArrayList<>();
        Throwable t = catchThrowable(() -> {
            try (Unwind u = new Unwind()) {
                u.push(() -> undone.add("identity"));
                u.push(() -> {
                    throw undoFailed;
                });
                throw launchFailed;
            }
        });
        assertThat(t).isSameAs(launchFailed);
        assertThat(t.getSuppressed()).containsExactly(undoFailed);
        assertThat(undone).containsExactly("identity");
    }

    @Test
    void afterReleaseNothingIsUndoneAndNothingMoreMayBePushed() {
        List<String> undone = new ArrayList<>();
        try (Unwind u = new Unwind()) {
            u.push(() -> undone.add("cgroup"));
            u.release();
            assertThat(u.size()).isZero();
            assertThatThrownBy(() -> u.push(() -> undone.add("late"))).isInstanceOf(IllegalStateException.class);
        }
        assertThat(undone).isEmpty();
    }

    @Test
    void closingTwiceUndoesOnce() {
        List<String> undone = new ArrayList<>();
        Unwind u = new Unwind();
        u.push(() -> undone.add("cgroup"));
        u.close();
        u.close();
        assertThat(undone).containsExactly("cgroup");
    }

    @Test
    void undosRunWithTheInterruptFlagClearedAndItIsRestoredAfter() {
        List<Boolean> seen = new ArrayList<>();
        Unwind u = new Unwind();
        u.push(() -> seen.add(Thread.currentThread().isInterrupted()));
        u.push(() -> seen.add(Thread.currentThread().isInterrupted()));
        Thread.currentThread().interrupt();
        u.close();
        assertThat(seen).containsExactly(false, false);
        assertThat(Thread.interrupted()).as("the flag is restored").isTrue();
    }

    @Test
    void anUninterruptedThreadStaysUninterrupted() {
        Unwind u = new Unwind();
        u.push(() -> { });
        u.close();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
