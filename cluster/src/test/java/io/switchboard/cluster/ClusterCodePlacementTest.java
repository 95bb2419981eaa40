package io.switchboard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.IFunction;
import com.hazelcast.map.EntryProcessor;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Code that Hazelcast ships to a member and runs there (entry processors, ring filters, predicates, projections,
 * aggregations, tasks) must live in {@code common}, which every member has: a member of another service, built
 * from that service's module alone, could not load it. This fails the build, naming the class, when a service's
 * own module holds such code.
 */
class ClusterCodePlacementTest {
    /** The interfaces of objects Hazelcast serialises to run on members. */
    private static final List<Class<?>> RUN_ON_MEMBERS = List.of(EntryProcessor.class, IFunction.class,
            com.hazelcast.query.Predicate.class, com.hazelcast.projection.Projection.class,
            com.hazelcast.aggregation.Aggregator.class, java.util.concurrent.Callable.class, Runnable.class);

    @Test
    void noServiceModuleHoldsCodeThatMembersRun() throws Exception {
        SystemDefinition system = SystemDefinition.load();
        List<String> misplaced = new ArrayList<>();
        for (ServiceDefinition service : system.services().values()) {
            Path classes = system.root().resolve(service.module()).resolve("target/classes");
            List<URL> urls = new ArrayList<>();
            for (String entry : ServiceProcess.classpath(system.root(), service.module()).split(File.pathSeparator)) {
                urls.add(Path.of(entry).toUri().toURL());
            }
            try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), getClass().getClassLoader());
                 Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = classes.relativize(f).toString().replace(File.separatorChar, '.').replaceAll("\\.class$", "");
                    Class<?> c = Class.forName(name, false, loader);
                    if (java.io.Serializable.class.isAssignableFrom(c)
                            && RUN_ON_MEMBERS.stream().anyMatch(i -> i.isAssignableFrom(c))) {
                        misplaced.add(service.module() + ": " + name);
                    }
                }
            }
        }
        assertThat(misplaced).as("classes that Hazelcast members would have to load from a service's module; move "
                + "them to common (see docs/architecture.md)").isEmpty();
    }
}
