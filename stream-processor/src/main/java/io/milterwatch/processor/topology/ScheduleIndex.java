package io.milterwatch.processor.topology;

/**
 * Keys of the time-ordered schedule index: the due time as 16 hexadecimal digits, then the target
 * id. The stores order keys by their UTF-8 bytes, so a range from {@link #FIRST} to
 * {@link #upTo(long)} yields exactly the entries due by then, earliest first.
 */
public final class ScheduleIndex {

    /** The value of every entry: the key says it all. */
    static final byte[] PRESENT = new byte[0];
    static final String FIRST = "0000000000000000";
    private static final int TIME_DIGITS = 16;

    private ScheduleIndex() {
    }

    public static String key(final long dueMs, final String targetId) {
        return hex(Math.max(0, dueMs)) + targetId;
    }

    /**
     * The upper bound of a range holding every entry due at or before {@code nowMs}: the next
     * millisecond with no id, below every key of that millisecond (ids are never empty).
     */
    static String upTo(final long nowMs) {
        return hex(Math.max(0, nowMs) + 1);
    }

    static String id(final String key) {
        return key.substring(TIME_DIGITS);
    }

    static long dueMs(final String key) {
        return Long.parseUnsignedLong(key.substring(0, TIME_DIGITS), 16);
    }

    private static String hex(final long value) {
        final String digits = Long.toHexString(value);
        return "0".repeat(TIME_DIGITS - digits.length()) + digits;
    }
}
