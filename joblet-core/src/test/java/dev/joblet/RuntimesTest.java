package dev.joblet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimesTest {
    static Path fakeRuntime(Path root, String name, String manifest) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.createDirectories(dir.resolve("rootfs/usr/bin"));
        Files.createSymbolicLink(dir.resolve("rootfs/bin"), Path.of("usr/bin"));
        Files.writeString(dir.resolve("rootfs/usr/bin/tool"), "12345");
        Files.writeString(dir.resolve(RuntimeManifest.FILE_NAME), manifest);
        return dir;
    }

    @Test
    void listsInfoValidatesAndRemoves(@TempDir Path root) throws Exception {
        fakeRuntime(root, "good", "name = good\nversion = 1\ndescription = fine\n");
        fakeRuntime(root, "renamed", "name = other\n");
        fakeRuntime(root, "broken", "name = broken\nbad line\n");
        fakeRuntime(root, "mount", "name = mount\nmount = /no/such/host/path:/data\n");
        Path absLink = fakeRuntime(root, "abslink", "name = abslink\n");
        Files.createSymbolicLink(absLink.resolve("rootfs/lib"), Path.of("/usr/lib"));
        Files.createDirectories(root.resolve(".build-good-1234/rootfs/usr"));
        Files.createDirectories(root.resolve("bare/usr"));
        Runtimes store = Runtimes.at(root);

        assertThat(store.names()).containsExactly("abslink", "bare", "broken", "good", "mount", "renamed");
        assertThat(store.list()).filteredOn(RuntimeInfo::isValid).extracting(RuntimeInfo::name).containsExactly("bare", "good");
        assertThat(store.validate("renamed")).singleElement().asString().contains("field name (other) differs");
        assertThat(store.validate("broken")).singleElement().asString().endsWith("runtime.conf:2: expected 'key = value', got (bad line)");
        assertThat(store.validate("mount")).singleElement().asString().contains("/no/such/host/path does not exist");
        assertThat(store.validate("abslink")).singleElement().asString().contains("link to the absolute path /usr/lib");
        assertThat(store.validate("absent")).singleElement().asString().contains("absent is not installed");

        RuntimeInfo good = store.info("good").orElseThrow();
        assertThat(good.manifest().version()).isEqualTo("1");
        assertThat(good.rootfs()).isEqualTo(root.resolve("good/rootfs"));
        assertThat(good.sizeBytes()).isGreaterThanOrEqualTo(5);
        RuntimeInfo bare = store.info("bare").orElseThrow();
        assertThat(bare.manifest()).isNull();
        assertThat(bare.rootfs()).isEqualTo(root.resolve("bare"));
        assertThat(store.info("absent")).isEmpty();

        assertThat(store.remove("good")).isTrue();
        assertThat(store.remove("good")).isFalse();
        assertThat(root.resolve("good")).doesNotExist();
        assertThat(store.names()).doesNotContain("good");
        try (var s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".removing-"));
        }
    }

    @Test
    void badNamesAreRejected(@TempDir Path root) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Runtimes.at(root).remove("../etc"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("runtime (../etc)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Runtimes.at(Path.of("rel")))
                .hasMessageStartingWith("runtimes root (rel)");
    }
}
