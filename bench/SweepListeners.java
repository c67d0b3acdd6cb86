import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.milterwatch.testing.MilterEmulator;
import io.milterwatch.testing.MilterEmulator.Behaviour;

/**
 * Listeners for the port-sweep benchmark (docs/BENCHMARKS.md, "Port sweep"): one milter or
 * AXIMilter emulator of each kind on 127.0.0.1, on ports the system picks; prints "BEHAVIOUR PORT"
 * per line, then "ready", and runs until killed. Run it in a network namespace of its own so that
 * the sweep meets no one else's listeners:
 * java -cp test-support/target/classes bench/SweepListeners.java
 */
public final class SweepListeners {
    public static void main(final String[] args) throws Exception {
        final List<MilterEmulator> running = new ArrayList<>();
        final InetAddress lo = InetAddress.getByName("127.0.0.1");
        for (final Behaviour b : List.of(Behaviour.LIBMILTER_V6, Behaviour.RSPAMD, Behaviour.GO_V2, Behaviour.V2_ONLY,
                Behaviour.AXIMILTER, Behaviour.AXIMILTER_NO_PING, Behaviour.SMTP, Behaviour.SILENT)) {
            final MilterEmulator e = MilterEmulator.start(b, lo);
            running.add(e);
            System.out.println(b + " " + e.port());
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
