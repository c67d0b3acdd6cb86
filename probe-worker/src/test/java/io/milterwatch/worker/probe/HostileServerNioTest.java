package io.milterwatch.worker.probe;

/** Every test of {@link HostileServerTest} again, on the Java NIO transport (the fallback where epoll does not load). */
class HostileServerNioTest extends HostileServerTest {

    @Override
    TransportKind transport() {
        return TransportKind.NIO;
    }
}
