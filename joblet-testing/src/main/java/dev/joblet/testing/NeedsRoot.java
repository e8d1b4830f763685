package dev.joblet.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The test class or method needs root (namespaces, mounts, cgroups, nftables): it runs when the JVM's effective
 * uid is 0 and is skipped otherwise, with "needs root " and {@link #value} as the reason. CI runs as root, so
 * there every such test runs.
 *
 * <pre>{@code @NeedsRoot("for namespaces and cgroups")}</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(RootCondition.class)
public @interface NeedsRoot {
    /** What root is needed for, completing "needs root ...": {@code "for namespaces and cgroups"}. */
    String value();
}
