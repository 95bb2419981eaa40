package io.switchboard.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Keeps one instance of an expensive resource per test JVM, closed when the JVM's test run ends. */
final class SharedResources {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create("switchboard", "shared");

    private SharedResources() {
    }

    static <T extends AutoCloseable> T get(ExtensionContext context, Class<T> type, Function<Path, T> create) {
        return context.getRoot().getStore(NS).computeIfAbsent(type, k -> create.apply(tempDir(type.getSimpleName())), type);
    }

    static Path tempDir(String name) {
        try {
            Path dir = Files.createTempDirectory("switchboard-test-" + name.toLowerCase() + "-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary directory", e);
        }
    }
}
