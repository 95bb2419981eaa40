package org.elasticsearch.plugins;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.elasticsearch.Build;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;

/**
 * Loads plugins from classes already on the classpath instead of from plugin directories.
 *
 * <p>Lives in Elasticsearch's own package because {@link PluginsService.LoadedPlugin} and
 * {@link PluginsService#loadPlugin} are package-private. Only Switchboard's embedded node uses it.
 */
public final class ClasspathPluginsService extends PluginsService {
    private final List<LoadedPlugin> loaded;

    public ClasspathPluginsService(Environment env, List<Class<? extends Plugin>> pluginClasses) {
        super(env.settings(), env.configDir(), PluginsLoader.createPluginsLoader(Set.of(), Set.of(), Map.of(), false));
        Settings settings = env.settings();
        List<LoadedPlugin> plugins = new ArrayList<>();
        for (Class<? extends Plugin> cls : pluginClasses) {
            PluginDescriptor descriptor = new PluginDescriptor(
                    cls.getName(), "classpath plugin " + cls.getSimpleName(), "1.0",
                    Build.current().version(), Integer.toString(Runtime.version().feature()),
                    cls.getName(), null, List.of(), false, false, false, false,
                    PluginDescriptor.DeploymentTarget.ALL);
            Plugin instance = loadPlugin(cls, settings, env.configDir());
            plugins.add(new LoadedPlugin(descriptor, instance, cls.getClassLoader()));
        }
        this.loaded = List.copyOf(plugins);
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return loaded;
    }

    @Override
    public PluginsAndModules info() {
        return new PluginsAndModules(loaded.stream().map(p -> new PluginRuntimeInfo(p.descriptor())).toList(), List.of());
    }

}
