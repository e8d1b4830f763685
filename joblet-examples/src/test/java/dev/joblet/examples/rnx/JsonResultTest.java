package dev.joblet.examples.rnx;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonResultTest {
    @Test
    void stringsAreEscaped() {
        assertThat(JsonResult.string("a\"b\\c\nd\te\u0001")).isEqualTo("\"a\\\"b\\\\c\\nd\\te\\u0001\"");
        assertThat(JsonResult.string(null)).isEqualTo("null");
        assertThat(JsonResult.string("héllo")).isEqualTo("\"héllo\"");
    }

    @Test
    void aJobThatNeverRanHasNoIdAndNoUsage() {
        assertThat(JsonResult.startFailure("\"x\": not found"))
                .isEqualTo("{\"id\":null,\"reason\":\"FAILED_TO_START\",\"exitCode\":null,\"signal\":null,"
                        + "\"durationMs\":0,\"message\":\"\\\"x\\\": not found\",\"usage\":null}");
    }
}
