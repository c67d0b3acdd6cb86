package io.milterwatch.worker.probe;

/** Every test of {@link ProbeEngineTest} again, on the Java NIO transport (the fallback where epoll does not load). */
class ProbeEngineNioTest extends ProbeEngineTest {

    @Override
    TransportKind transport() {
        return TransportKind.NIO;
    }
}
