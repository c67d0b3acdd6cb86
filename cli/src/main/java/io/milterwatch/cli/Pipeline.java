package io.milterwatch.cli;

import io.milterwatch.config.CommonSettings;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.kafka.TopicProvisioner;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.worker.WorkerApp;
import io.milterwatch.worker.config.WorkerConfig;

/**
 * The pipeline's processes inside one JVM, against any cluster: topics created if missing, the
 * stream processor ({@link StreamsApp}), and a probe worker ({@link WorkerApp}). What
 * {@code milterwatch run} starts, and what the end-to-end tests start, is this same code; each role
 * owns its own lifecycle, this class only composes them.
 */
public final class Pipeline implements AutoCloseable {

    private final StreamsApp processor;
    private final WorkerApp worker;
    private final Topics topics;

    private Pipeline(final StreamsApp processor, final WorkerApp worker, final Topics topics) {
        this.processor = processor;
        this.worker = worker;
        this.topics = topics;
    }

    public static Pipeline start(final Settings settings, final boolean withProcessor, final boolean withWorker)
            throws InterruptedException, java.io.IOException {
        final Topics topics = Topics.withPrefix(settings.string(CommonSettings.TOPIC_PREFIX.name()));
        if (withProcessor) {
            TopicProvisioner.ensureTopics(settings, topics);
        }
        // The worker's endpoint binds first: a port in use stops the start before anything runs.
        final WorkerApp worker = withWorker ? WorkerApp.create(WorkerConfig.from(settings)) : null;
        StreamsApp processor = null;
        if (withProcessor) {
            try {
                processor = new StreamsApp(ProcessorConfig.from(settings));
                processor.start();
            } catch (final RuntimeException | java.io.IOException e) {
                if (worker != null) {
                    worker.close();
                }
                throw e;
            }
        }
        if (worker != null) {
            worker.start();
        }
        return new Pipeline(processor, worker, topics);
    }


    public Topics topics() {
        return topics;
    }

    public StreamsApp processor() {
        return processor;
    }

    public WorkerApp worker() {
        return worker;
    }

    /** The worker's metrics and health endpoint ({@code http://host:port}), or null when there is none. */
    public String workerEndpoint() {
        return worker == null ? null : worker.endpoint();
    }

    /** Stops taking work, drains what is in flight, then stops the stream processor. */
    @Override
    public void close() {
        if (worker != null) {
            worker.close();
        }
        if (processor != null) {
            processor.close();
        }
    }
}
