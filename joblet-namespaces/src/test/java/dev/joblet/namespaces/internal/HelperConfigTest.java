package dev.joblet.namespaces.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.joblet.namespaces.LaunchRequest;
import dev.joblet.namespaces.Stage;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C half of the config protocol: the real helper is fed raw messages over named FIFOs on fds 3 and 4
 * (which is all it asks of its caller), and must reject every malformed one with {CONFIG, errno} before
 * doing anything else. Runs without privileges: nothing here gets as far as clone3.
 */
class HelperConfigTest {
    private static final int EINVAL = 22, ENOENT = 2, EBADMSG = 74, EMSGSIZE = 90, EPROTONOSUPPORT = 93;

    @TempDir
    Path dir;

    private int runs;

    /** The helper under test: the built x86_64 one, or {@code joblet.test.helper} (the aarch64 one under qemu). */
    private static Path helper() {
        return Path.of(System.getProperty("joblet.test.helper", "target/classes/dev/joblet/namespaces/internal/joblet-helper"))
                .toAbsolutePath();
    }

    /** What runs the helper: nothing (it runs itself), or {@code joblet.test.helperRunner} (scripts/helper-qemu-check.sh: qemu-aarch64). */
    private static String runner() {
        String r = System.getProperty("joblet.test.helperRunner", "");
        return r.isEmpty() ? "" : r + " ";
    }

    /** What the helper reported, and how it exited. */
    record Outcome(int type, int version, int stage, int errno, int detail, int extraBytes, int exitCode) {}

    /** Runs the helper with {@code control} as everything it can read on fd 3; returns its first status message. */
    private Outcome run(byte[] control) throws Exception {
        Raw r = runRaw(control);
        byte[] reply = r.reply();
        assertThat(reply.length).as("status bytes").isGreaterThanOrEqualTo(Protocol.MESSAGE_SIZE);
        ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        return new Outcome(b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), reply.length - Protocol.MESSAGE_SIZE,
                r.exitCode());
    }

    /** All the helper wrote on its status pipe, and its exit code. */
    record Raw(byte[] reply, int exitCode) {}

    private Raw runRaw(byte[] control) throws Exception {
        int n = runs++;
        Path ctl = dir.resolve("ctl" + n);
        Path status = dir.resolve("status" + n);
        for (Path p : List.of(ctl, status)) {
            Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
            assertThat(mk.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(mk.exitValue()).isZero();
        }
        Process proc = new ProcessBuilder("sh", "-c", "exec " + runner() + "\"$0\" " + Protocol.HELPER_ARGV_MAGIC + " 3<\"$1\" 4>\"$2\"",
                helper().toString(), ctl.toString(), status.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        CompletableFuture<byte[]> exchange = CompletableFuture.supplyAsync(() -> {
            // The shell opens fd 3 (read) and then fd 4 (write): open our ends in the same order.
            try (OutputStream out = new FileOutputStream(ctl.toFile())) {
                InputStream in = new FileInputStream(status.toFile());
                try (in) {
                    out.write(control);
                    out.close(); // EOF after the message
                    // EOF once the helper has exited. (FileInputStream.readAllBytes seeks: not on a FIFO.)
                    ByteArrayOutputStream reply = new ByteArrayOutputStream();
                    in.transferTo(reply);
                    return reply.toByteArray();
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            byte[] reply = exchange.get(10, TimeUnit.SECONDS);
            assertThat(proc.waitFor(5, TimeUnit.SECONDS)).as("helper exits after reporting").isTrue();
            return new Raw(reply, proc.exitValue());
        } finally {
            proc.destroyForcibly();
        }
    }

    private void assertRejected(byte[] control, int errno) throws Exception {
        Outcome o = run(control);
        assertThat(o.type()).as("message type").isEqualTo(Protocol.MSG_ERROR);
        assertThat(o.version()).as("message version").isEqualTo(Protocol.PROTO_VERSION);
        assertThat(Stage.of(o.stage())).isEqualTo(Stage.CONFIG);
        assertThat(o.errno()).as("errno (got %s)", Native.errnoName(o.errno())).isEqualTo(errno);
        assertThat(o.extraBytes()).as("one report only").isZero();
        assertThat(o.exitCode()).isEqualTo(1);
    }

    private static LaunchRequest.Builder valid() {
        return LaunchRequest.builder().argv(List.of("true")).stagingDir("/").workdir("/");
    }

    /** A message: the header with the body's real length, then the body. */
    private static byte[] message(Consumer<Wire> body) {
        Wire b = new Wire();
        body.accept(b);
        byte[] bytes = b.toByteArray();
        Wire m = new Wire().u32(Protocol.MSG_CONFIG).u32(Protocol.PROTO_VERSION).u32(bytes.length);
        m.write(bytes, 0, bytes.length);
        return m.toByteArray();
    }

    /** A well-formed body up to (excluding) the mounts, for {@code argv} and the given staging/workdir. */
    private static Wire prefix(Wire w, String staging, String workdir, String... argv) {
        w.u32(0).u32(0).str(staging).str("").str(workdir).u32(argv.length);
        for (String a : argv) {
            w.str(a);
        }
        return w.u32(0).u32(0).str("");
    }

    /**
     * The fields after the cpumask, all empty: security (flags, uid, gid, caps (2 words), rlimits, seccomp, maps),
     * then the netns path and the terminal's size.
     */
    private static Wire noSecurity(Wire w) {
        return w.u32(0).u32(-1).u32(-1).u32(-1).u32(-1).u32(0).u32(0).str("").str("").str("").u32(0);
    }

    static final class Wire extends ByteArrayOutputStream {
        Wire u32(int v) {
            write(v);
            write(v >>> 8);
            write(v >>> 16);
            write(v >>> 24);
            return this;
        }

        Wire str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u32(b.length);
            write(b, 0, b.length);
            return this;
        }
    }

    // ---- a well-formed message gets past parsing ----

    @Test
    void wellFormedMessageFromProtocolEncodeIsParsedAndReachesTheNextStage() throws Exception {
        // A cgroup file that does not exist: the first thing after parsing, and it needs no privileges.
        byte[] msg = Protocol.encode(valid().cgroupProcsFiles(List.of(dir.resolve("missing/cgroup.procs"))).build());
        Outcome o = run(msg);
        assertThat(o.type()).isEqualTo(Protocol.MSG_ERROR);
        assertThat(Stage.of(o.stage())).isEqualTo(Stage.CGROUP_OPEN);
        assertThat(o.errno()).isEqualTo(ENOENT);
        assertThat(o.detail()).as("index of the cgroup file").isZero();
    }

    @Test
    void handBuiltMessageWithEveryMountKindParses() throws Exception {
        // One missing cgroup file, so that the run stops before clone3 (no privileges needed).
        byte[] msg = message(w -> {
            w.u32(0).u32(0).str("/").str("").str("/").u32(1).str("true").u32(0);
            w.u32(1).str(dir.resolve("missing").toString()).str("");
            w.u32(6);
            for (int kind = 1; kind <= 6; kind++) {
                w.u32(kind).u32(0).str("/src").str("/t" + kind).str("");
            }
            noSecurity(w.u32(0));
        });
        Outcome o = run(msg);
        assertThat(Stage.of(o.stage())).as("errno %s", Native.errnoName(o.errno())).isEqualTo(Stage.CGROUP_OPEN);
    }

    // ---- header ----

    @Test
    void emptyControlStreamIsATruncatedMessage() throws Exception {
        assertRejected(new byte[0], EBADMSG);
    }

    @Test
    void truncatedHeaderIsRejected() throws Exception {
        assertRejected(new byte[] {0x4a, 0x42, 0x4c}, EBADMSG);
    }

    @Test
    void wrongMagicIsRejected() throws Exception {
        assertRejected(new Wire().u32(0x12345678).u32(Protocol.PROTO_VERSION).u32(0).toByteArray(), EBADMSG);
    }

    @Test
    void discardEndsTheHelperAtOnceWithoutAReport() throws Exception {
        Raw r = runRaw(Protocol.discard());
        assertThat(r.reply()).as("status bytes").isEmpty();
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void aMessageOfAnotherKindWhereTheConfigBelongsIsRejected() throws Exception {
        assertRejected(Protocol.encodeExec(valid().build()), EBADMSG);
    }

    @Test
    void unknownVersionIsRejectedAndNamed() throws Exception {
        Outcome o = run(new Wire().u32(Protocol.MSG_CONFIG).u32(2).u32(0).toByteArray());
        assertThat(Stage.of(o.stage())).isEqualTo(Stage.CONFIG);
        assertThat(o.errno()).isEqualTo(EPROTONOSUPPORT);
        assertThat(o.detail()).as("the version received").isEqualTo(2);
    }

    @Test
    void bodyOverOneMebibyteIsRejectedBeforeItIsRead() throws Exception {
        assertRejected(new Wire().u32(Protocol.MSG_CONFIG).u32(Protocol.PROTO_VERSION).u32((1 << 20) + 1).toByteArray(), EMSGSIZE);
    }

    @Test
    void bodyShorterThanTheHeaderSaysIsRejected() throws Exception {
        Wire w = new Wire().u32(Protocol.MSG_CONFIG).u32(Protocol.PROTO_VERSION).u32(100).u32(0).u32(0);
        assertRejected(w.toByteArray(), EBADMSG);
    }

    @Test
    void headerWithoutAnyBodyIsRejected() throws Exception {
        assertRejected(new Wire().u32(Protocol.MSG_CONFIG).u32(Protocol.PROTO_VERSION).u32(100).toByteArray(), EBADMSG);
    }

    @Test
    void emptyBodyIsRejected() throws Exception {
        assertRejected(message(w -> {}), EBADMSG);
    }

    // ---- body ----

    @Test
    void trailingBytesAfterTheCpumaskAreRejected() throws Exception {
        assertRejected(message(w -> prefix(w, "/", "/", "true").u32(0).u32(0).u32(0xdead)), EBADMSG);
    }

    @Test
    void missingNetnsFieldAfterTheCpumaskIsRejected() throws Exception {
        assertRejected(message(w -> prefix(w, "/", "/", "true").u32(0).u32(0)), EBADMSG);
    }

    @Test
    void stringLongerThanTheBodyIsRejected() throws Exception {
        assertRejected(message(w -> w.u32(0).u32(0).u32(1000).str("abc")), EBADMSG);
    }

    @Test
    void stringWithAnEmbeddedNulIsRejected() throws Exception {
        assertRejected(message(w -> prefix(w, "/", "/", "tr\0ue").u32(0).u32(0)), EBADMSG);
    }

    @Test
    void absurdArgvCountIsRejected() throws Exception {
        assertRejected(message(w -> w.u32(0).u32(0).str("/").str("").str("/").u32(70000)), EBADMSG);
    }

    @Test
    void unknownMountKindsAreRejected() throws Exception {
        for (int kind : new int[] {0, 7, 9}) {
            assertRejected(message(w -> prefix(w, "/", "/", "true").u32(1).u32(kind).u32(0).str("").str("/x").str("")
                    .u32(0)), EBADMSG);
        }
    }

    @Test
    void relativeMountTargetIsRejected() throws Exception {
        assertRejected(message(w -> prefix(w, "/", "/", "true").u32(1).u32(5).u32(0).str("").str("x").str("").u32(0)),
                EBADMSG);
    }

    @Test
    void absurdMountCountIsRejected() throws Exception {
        assertRejected(message(w -> prefix(w, "/", "/", "true").u32(4097)), EBADMSG);
    }

    @Test
    void oversizedOrTruncatedCpumaskIsRejected() throws Exception {
        assertRejected(message(w -> prefix(w, "/", "/", "true").u32(0).u32(1025).write(new byte[1025], 0, 1025)),
                EBADMSG);
        assertRejected(message(w -> prefix(w, "/", "/", "true").u32(0).u32(8).u32(1)), EBADMSG);
    }

    @Test
    void truncatedOrOversizedSecurityFieldsAreRejected() throws Exception {
        // Security fields missing entirely (a message from an older encoder).
        assertRejected(message(w -> prefix(w, "/", "/", "true").u32(0).u32(0)), EBADMSG);
        // An rlimit count with no entries behind it.
        assertRejected(message(w -> prefix(w, "/", "/", "true").u32(0).u32(0).u32(0).u32(-1).u32(-1).u32(0).u32(0)
                .u32(3)), EBADMSG);
        // A seccomp program longer than the kernel's limit.
        assertRejected(message(w -> prefix(w, "/", "/", "true").u32(0).u32(0).u32(0).u32(-1).u32(-1).u32(0).u32(0)
                .u32(0).u32(4097)), EBADMSG);
    }

    @Test
    void emptyArgvIsInvalid() throws Exception {
        assertRejected(message(w -> noSecurity(prefix(w, "/", "/").u32(0).u32(0))), EINVAL);
    }

    @Test
    void emptyCommandNameIsInvalid() throws Exception {
        assertRejected(message(w -> noSecurity(prefix(w, "/", "/", "").u32(0).u32(0))), EINVAL);
    }

    @Test
    void relativeStagingDirIsInvalid() throws Exception {
        assertRejected(Protocol.encode(valid().stagingDir("run/stage").build()), EINVAL);
    }

    @Test
    void relativeWorkdirIsInvalid() throws Exception {
        assertRejected(Protocol.encode(valid().workdir("work").build()), EINVAL);
    }

    // ---- the helper is not a general-purpose program ----

    @Test
    void helperRunDirectlySaysItIsNotForGeneralUseAndExits2() throws Exception {
        for (List<String> args : List.of(List.<String>of(), List.of(Protocol.HELPER_ARGV_MAGIC), List.of("--help"))) {
            List<String> cmd = new java.util.ArrayList<>();
            if (!runner().isBlank()) {
                cmd.addAll(List.of(runner().trim().split(" ")));
            }
            cmd.add(helper().toString());
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("exit code with %s", args).isEqualTo(2);
            assertThat(err.get(5, TimeUnit.SECONDS)).as("stderr with %s", args).contains("not for general use");
        }
    }
}
