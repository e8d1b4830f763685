package dev.joblet.namespaces.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The jar carries a static helper for each machine it runs on, and the JVM's {@code os.arch} picks it: a user needs
 * no C compiler. The helpers are checked as built (ELF machine, statically linked); scripts/helper-qemu-check.sh
 * runs the aarch64 one.
 */
class HelperImageTest {
    private static final int EM_X86_64 = 62, EM_AARCH64 = 183, PT_INTERP = 3;

    @Test
    void osArchChoosesTheHelper() throws IOException {
        assertThat(HelperImage.resourceFor("amd64")).isEqualTo("joblet-helper");
        assertThat(HelperImage.resourceFor("x86_64")).isEqualTo("joblet-helper");
        assertThat(HelperImage.resourceFor("aarch64")).isEqualTo("joblet-helper-aarch64");
        assertThat(HelperImage.resourceFor("arm64")).isEqualTo("joblet-helper-aarch64");
    }

    @Test
    void anotherMachineIsRefusedByName() {
        for (String arch : new String[] {"ppc64le", "s390x", "riscv64", "x86", ""}) {
            assertThatThrownBy(() -> HelperImage.resourceFor(arch))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("os.arch '" + arch + "' is not supported")
                    .hasMessageContaining("x86_64 (amd64) and aarch64 (arm64)");
        }
    }

    @Test
    void eachBundledHelperIsAStaticExecutableForItsMachine() throws IOException {
        assertStaticElf(HelperImage.resourceFor("amd64"), EM_X86_64);
        assertStaticElf(HelperImage.resourceFor("aarch64"), EM_AARCH64);
    }

    private static void assertStaticElf(String resource, int machine) throws IOException {
        byte[] elf;
        try (InputStream in = HelperImage.class.getResourceAsStream(resource)) {
            assertThat(in).as("resource %s (a build with -Djoblet.helper.cross.skip=true lacks aarch64)", resource).isNotNull();
            elf = in.readAllBytes();
        }
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).as("%s: ELF magic", resource).isEqualTo(0x464C457F);
        assertThat(elf[4]).as("%s: 64-bit", resource).isEqualTo((byte) 2);
        assertThat(b.getShort(18) & 0xFFFF).as("%s: e_machine", resource).isEqualTo(machine);
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xFFFF, phnum = b.getShort(56) & 0xFFFF;
        for (int i = 0; i < phnum; i++) {
            assertThat(b.getInt((int) phoff + i * phentsize)).as("%s: program header %d is no PT_INTERP (static)", resource, i)
                    .isNotEqualTo(PT_INTERP);
        }
    }
}
