package dev.joblet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AptSourcesTest {
    @Test
    void oneLineFormatWithOptionsCommentsAndDebSrc() {
        List<AptSources.Entry> e = AptSources.parseList("# deb http://old.example/debian bookworm main\n"
                + "deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian bookworm main contrib\n"
                + "deb-src http://mirror.example/debian bookworm main\n"
                + "  deb http://mirror.example/debian-security bookworm-security main # trailing\n"
                + "deb [broken http://x bookworm main\n");
        assertThat(e).containsExactly(
                new AptSources.Entry("deb", "http://mirror.example/debian", "bookworm", List.of("main", "contrib"),
                        "/usr/share/keyrings/k.gpg"),
                new AptSources.Entry("deb", "http://mirror.example/debian-security", "bookworm-security", List.of("main"),
                        null));
        assertThat(e.get(0).toLine()).isEqualTo(
                "deb [signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian bookworm main contrib");
    }

    @Test
    void deb822ParagraphsSuitesDisabledAndInlineKeys() {
        String text = "Types: deb deb-src\n# comment\nURIs: http://a.example/debian\nSuites: bookworm bookworm-updates\n"
                + "Components: main non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
                + "Types: deb\nURIs: http://b.example/debian\nSuites: trixie\nComponents: main\nEnabled: no\n\n"
                + "Types: deb-src\nURIs: http://c.example/debian\nSuites: bookworm\nComponents: main\n\n"
                + "Types: deb\nURIs: http://d.example/x\nSuites: stable\nComponents: main\nSigned-By:\n"
                + " -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n -----END PGP PUBLIC KEY BLOCK-----\n";
        List<AptSources.Entry> e = AptSources.parseDeb822(text);
        assertThat(e).extracting(AptSources.Entry::uri, AptSources.Entry::suite, AptSources.Entry::signedBy).containsExactly(
                org.assertj.core.groups.Tuple.tuple("http://a.example/debian", "bookworm",
                        "/usr/share/keyrings/debian-archive-keyring.gpg"),
                org.assertj.core.groups.Tuple.tuple("http://a.example/debian", "bookworm-updates",
                        "/usr/share/keyrings/debian-archive-keyring.gpg"),
                org.assertj.core.groups.Tuple.tuple("http://d.example/x", "stable", null));
        assertThat(e.get(0).components()).containsExactly("main", "non-free");
    }

    @Test
    void readsSourcesListAndTheDirectoryAndPicksTheRelease(@TempDir Path etc) throws Exception {
        Files.writeString(etc.resolve("sources.list"), "deb http://first.example/debian bookworm contrib\n");
        Files.createDirectory(etc.resolve("sources.list.d"));
        Files.writeString(etc.resolve("sources.list.d/debian.sources"), "Types: deb\nURIs: http://m.example/debian\n"
                + "Suites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://s.example/debian-security\n"
                + "Suites: bookworm-security\nComponents: main\n");
        Files.writeString(etc.resolve("sources.list.d/other.list.disabled"), "deb http://no.example/debian bookworm main\n");
        List<AptSources.Entry> all = AptSources.read(etc);
        assertThat(all).extracting(AptSources.Entry::uri).containsExactly("http://first.example/debian",
                "http://m.example/debian", "http://m.example/debian", "http://s.example/debian-security");
        assertThat(AptSources.forRelease(all, "bookworm")).extracting(AptSources.Entry::toLine).containsExactly(
                "deb http://m.example/debian bookworm main", "deb http://m.example/debian bookworm-updates main",
                "deb http://s.example/debian-security bookworm-security main");
        assertThat(AptSources.forRelease(all, "trixie")).isEmpty();
    }

    @Test
    void codenameFromOsRelease() {
        assertThat(AptSources.codename("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=bookworm\n"))
                .isEqualTo("bookworm");
        assertThat(AptSources.codename("ID=alpine\n")).isNull();
    }
}
