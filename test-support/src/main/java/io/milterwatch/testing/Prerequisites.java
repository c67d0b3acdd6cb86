package io.milterwatch.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine (root, nftables, a real daemon, Chromium, ...). On a developer's
 * machine a missing prerequisite skips the test with the reason; under CI ({@code CI=true}) it fails
 * it, because {@code .ci/run} installs every prerequisite and a CI run that silently skipped a test
 * would still be green.
 */
public final class Prerequisites {

    private Prerequisites() {
    }

    /** True when the environment says this is a CI run ({@code CI=true}, as CI systems set it). */
    public static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Passes when {@code present}; otherwise skips (developer machine) or fails (CI) with {@code reason}. */
    public static void require(final boolean present, final String reason) {
        if (present) {
            return;
        }
        missing(reason);
    }

    /** Skips (developer machine) or fails (CI) with {@code reason}; returns only to satisfy the compiler. */
    public static RuntimeException missing(final String reason) {
        if (underCi()) {
            Assertions.fail("prerequisite missing under CI=true (.ci/run must install it): " + reason);
        }
        throw Assumptions.<RuntimeException>abort(reason);
    }
}
