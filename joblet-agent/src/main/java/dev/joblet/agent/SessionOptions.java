package dev.joblet.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one session changes from its sandbox: the idle timeout, and an egress allow-list. With an allow-list the
 * session's calls run on a private network of the session's own (made when the session opens, removed when it
 * closes) from which only the listed destinations are reached (NAT through the host); everything else, the
 * host's other addresses included, is refused. Without one they have no network but loopback, as the sandbox's.
 * Private networks need root. Immutable and thread-safe; {@link Builder} is not thread-safe.
 *
 * <pre>{@code
 * sandbox.openSession(SessionOptions.builder().allowEgress("203.0.113.7/32", 443).build());
 * }</pre>
 */
public final class SessionOptions {
    /** Nothing changed: the sandbox's idle timeout, no network. */
    public static final SessionOptions DEFAULTS = builder().build();

    /** One entry of the allow-list. */
    record Egress(String cidr, List<Integer> ports) {
        int[] portArray() {
            return ports.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private final @Nullable Duration idleTimeout;
    private final List<Egress> egress;
    private final @Nullable String subnet;

    private SessionOptions(Builder b) {
        this.idleTimeout = b.idleTimeout;
        this.egress = List.copyOf(b.egress);
        this.subnet = b.subnet;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Nullable Duration idleTimeout() {
        return idleTimeout;
    }

    List<Egress> egress() {
        return egress;
    }

    @Nullable String subnet() {
        return subnet;
    }

    /** Builds {@link SessionOptions}. Not thread-safe. */
    public static final class Builder {
        private @Nullable Duration idleTimeout;
        private final List<Egress> egress = new ArrayList<>();
        private @Nullable String subnet;

        private Builder() {}

        /** How long the session may go without a call before it closes itself (default: the sandbox's). */
        public Builder idleTimeout(Duration value) {
            Objects.requireNonNull(value, "idleTimeout");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("idleTimeout (" + value + ") must be positive");
            }
            idleTimeout = value;
            return this;
        }

        /**
         * Lets the session's calls reach {@code cidr} (e.g. {@code 203.0.113.7/32}) on {@code ports} (TCP and
         * UDP), or on every port when none are given. Repeatable. Checked at once.
         */
        public Builder allowEgress(String cidr, int... ports) {
            // the core's checks, which name the field and the value
            dev.joblet.Network.builder("check", "10.0.0.0/24").allowEgress(cidr, ports);
            egress.add(new Egress(cidr, java.util.Arrays.stream(ports).boxed().toList()));
            return this;
        }

        /**
         * The CIDR of the session's private network (a /29 or larger, overlapping neither another network nor a
         * route of the host); by default the first free /28 of {@code 10.213.0.0/16}.
         */
        public Builder subnet(String cidr) {
            dev.joblet.Network.builder("check", cidr); // checks the CIDR, naming it
            subnet = cidr;
            return this;
        }

        public SessionOptions build() {
            return new SessionOptions(this);
        }
    }
}
