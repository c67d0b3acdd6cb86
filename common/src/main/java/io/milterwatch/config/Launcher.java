package io.milterwatch.config;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * What the slim role jars ({@code milterwatch-worker.jar}, {@code milterwatch-processor.jar}) share
 * at start-up: the same few flags as {@code milterwatch worker|processor} ({@code --config FILE},
 * {@code --bootstrap-servers}, {@code --topic-prefix}), settings from defaults &lt; file &lt;
 * environment &lt; flags, and a run until SIGTERM / Ctrl-C that closes the role in a shutdown hook.
 */
public final class Launcher {

    private Launcher() {
    }

    /** Parses {@code args} and loads the settings; a bad flag or value throws {@link ConfigException} naming it. */
    public static Settings settings(final String role, final String[] args, final Collection<Setting> spec,
            final Set<String> kafkaNames) {
        Path config = null;
        final Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            final String arg = args[i];
            final String name;
            final String value;
            final int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else {
                name = arg;
                if (i + 1 >= args.length && isValued(arg)) {
                    throw new ConfigException(arg, "needs a value (usage: " + usage(role) + ")");
                }
                value = isValued(arg) ? args[++i] : null;
            }
            switch (name) {
                case "--config" -> config = Path.of(value);
                case "--bootstrap-servers" -> flags.put(CommonSettings.BOOTSTRAP_SERVERS.name(), value);
                case "--topic-prefix" -> flags.put(CommonSettings.TOPIC_PREFIX.name(), value);
                default -> throw new ConfigException(arg, "unknown argument (usage: " + usage(role) + ")");
            }
        }
        return Settings.load(spec, config, System.getenv(), flags, kafkaNames);
    }

    public static String usage(final String role) {
        return "java -jar milterwatch-" + role + ".jar [--config FILE] [--bootstrap-servers HOST:PORT[,...]] [--topic-prefix PREFIX]";
    }

    private static boolean isValued(final String arg) {
        return "--config".equals(arg) || "--bootstrap-servers".equals(arg) || "--topic-prefix".equals(arg);
    }

    /** Blocks until the JVM is asked to stop, then closes {@code app} (in the shutdown hook, so a drain finishes). */
    public static void runUntilStopped(final AutoCloseable app) throws InterruptedException {
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                app.close();
            } catch (final Exception e) {
                System.err.println("error while stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, "milterwatch-shutdown"));
        stopped.await();
    }

    /** Prints a start-up failure the way the commands do, one line naming the bad input, and gives the exit code. */
    public static int failure(final String role, final Exception e) {
        final String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        System.err.println("milterwatch-" + role + ": " + message);
        return e instanceof IllegalArgumentException ? 2 : 1;
    }
}
