/** JUnit 5 support: {@link dev.joblet.junit.JobletExtension} and its fixtures. */
module dev.joblet.junit {
    requires static transitive org.jspecify;
    requires transitive dev.joblet;
    requires org.slf4j;
    requires transitive org.junit.jupiter.api;

    exports dev.joblet.junit;
}
