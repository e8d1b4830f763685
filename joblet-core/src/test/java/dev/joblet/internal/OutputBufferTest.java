package dev.joblet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutputBufferTest {
    private static void append(OutputBuffer b, String s) {
        byte[] d = s.getBytes(StandardCharsets.UTF_8);
        b.append(d, 0, d.length);
    }

    @Test
    void readersGetHistoryThenLiveDataThenEnd() throws Exception {
        OutputBuffer b = new OutputBuffer(1 << 16);
        append(b, "hello ");
        InputStream in = b.open();
        CompletableFuture<String> all = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        append(b, "world");
        b.end();
        assertThat(all.get(5, TimeUnit.SECONDS)).isEqualTo("hello world");
        assertThat(b.open(6).readAllBytes()).isEqualTo("world".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void memoryStaysBoundedAndLossIsExplicit() throws Exception {
        OutputBuffer b = new OutputBuffer(4096);
        byte[] chunk = new byte[1000];
        for (int i = 0; i < 100; i++) {
            java.util.Arrays.fill(chunk, (byte) ('a' + i % 26));
            b.append(chunk, 0, chunk.length);
        }
        b.end();
        assertThat(b.size()).isEqualTo(100_000);
        assertThat(b.truncated()).isTrue();
        assertThat(b.text()).hasSize(4096);
        assertThat(b.text()).endsWith("v".repeat(1000)); // the 100th chunk is 'a' + 99 % 26 = 'v'
        assertThatThrownBy(() -> b.open(0).read()).isInstanceOf(IOException.class).hasMessageContaining("were dropped");
        assertThat(b.open().readAllBytes()).hasSize(4096);
    }
}
