package io.switchboard.testsupport;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects real stores into tests: {@link TestPostgres} and {@link TestElasticsearch} are started once per test JVM
 * and shared; {@link TestHazelcast} is a cluster of the test class's own, shut down after the class.
 *
 * <pre>{@code
 * @ExtendWith(RealStores.class)
 * class MyTest {
 *     @Test void works(TestPostgres pg, TestHazelcast hz) { ... }
 * }
 * }</pre>
 */
public final class RealStores implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create("switchboard", "class");

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        Class<?> type = p.getParameter().getType();
        return type == TestPostgres.class || type == TestElasticsearch.class || type == TestHazelcast.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        Class<?> type = p.getParameter().getType();
        if (type == TestPostgres.class) {
            return SharedResources.get(c, TestPostgres.class, TestPostgres::new);
        }
        if (type == TestElasticsearch.class) {
            return SharedResources.get(c, TestElasticsearch.class, TestElasticsearch::new);
        }
        // Kept in the class's store, which closes it (AutoCloseable) when the class is done.
        ExtensionContext classContext = c.getTestMethod().isPresent() ? c.getParent().orElseThrow() : c;
        return classContext.getStore(NS).computeIfAbsent(TestHazelcast.class, k -> new TestHazelcast(), TestHazelcast.class);
    }
}
