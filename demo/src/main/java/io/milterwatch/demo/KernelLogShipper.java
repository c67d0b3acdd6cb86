package io.milterwatch.demo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the kernel log ({@code /dev/kmsg}) and ships the netfilter lines that carry one marker
 * (the demo firewall's log prefix) onto the raw firewall topic, as rsyslog would write them:
 * {@code <RFC 3339 time> <host> kernel: <message>}. The time is the kernel's own timestamp of the
 * record (microseconds since boot on the monotonic clock) turned into wall-clock time.
 *
 * <p>Each {@code read} of {@code /dev/kmsg} returns one record, {@code PRI,SEQ,MICROS,FLAGS;MESSAGE}
 * (continuation lines follow, indented). A reader that falls behind a full ring buffer gets
 * {@code EPIPE} once and continues with the oldest record left. Closing the channel ends a read
 * that is waiting for the next record.
 */
final class KernelLogShipper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KernelLogShipper.class);
    static final Path KMSG = Path.of("/dev/kmsg");
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

    private final FileChannel channel;
    private final String marker;
    private final String host;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final Consumer<String> onLine;
    private final long bootMicros;
    private final Thread thread;
    private final AtomicLong shipped = new AtomicLong();
    private volatile boolean closing;

    private KernelLogShipper(final FileChannel channel, final String marker, final KafkaProducer<byte[], byte[]> producer, final String topic,
            final Consumer<String> onLine) {
        this.channel = channel;
        this.marker = marker;
        this.host = hostName();
        this.producer = producer;
        this.topic = topic;
        this.onLine = onLine;
        // System.nanoTime is CLOCK_MONOTONIC on Linux, the clock kmsg stamps records with.
        this.bootMicros = System.currentTimeMillis() * 1000 - System.nanoTime() / 1000;
        this.thread = new Thread(this::loop, "kernel-log-shipper");
        this.thread.setDaemon(true);
    }

    /** Why the kernel log cannot be followed here, or null when it can. */
    static String unavailableReason() {
        if (!Files.exists(KMSG)) {
            return KMSG + " does not exist";
        }
        if (!Files.isReadable(KMSG)) {
            return KMSG + " is not readable (it needs root, or CAP_SYSLOG)";
        }
        return null;
    }

    /**
     * @param marker only records whose message contains it are shipped
     * @param onLine told of each line shipped
     */
    static KernelLogShipper start(final String marker, final KafkaProducer<byte[], byte[]> producer, final String topic,
            final Consumer<String> onLine) throws IOException {
        final KernelLogShipper shipper = new KernelLogShipper(FileChannel.open(KMSG, StandardOpenOption.READ), marker, producer, topic, onLine);
        shipper.thread.start();
        return shipper;
    }

    long shipped() {
        return shipped.get();
    }

    private void loop() {
        // A record is at most about 1 KiB of text plus its dictionary; a smaller buffer makes read fail with EINVAL.
        final ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        while (!closing) {
            buf.clear();
            final int n;
            try {
                n = channel.read(buf);
            } catch (final ClosedChannelException e) {
                return;
            } catch (final IOException e) {
                if (closing) {
                    return;
                }
                // EPIPE: records were overwritten before we read them; the next read goes on with the oldest one left.
                LOG.debug("kernel log: {}", e.getMessage());
                continue;
            }
            if (n <= 0) {
                continue;
            }
            final String record = new String(buf.array(), 0, n, StandardCharsets.UTF_8);
            final String line = toSyslogLine(record);
            if (line != null) {
                producer.send(new ProducerRecord<>(topic, null, line.getBytes(StandardCharsets.UTF_8)));
                producer.flush();
                shipped.incrementAndGet();
                onLine.accept(line);
            }
        }
    }

    /** The syslog line of one kmsg record, or null when the record is not ours. */
    String toSyslogLine(final String record) {
        final int semi = record.indexOf(';');
        if (semi < 0) {
            return null;
        }
        int end = record.indexOf('\n', semi);
        if (end < 0) {
            end = record.length();
        }
        final String message = record.substring(semi + 1, end);
        if (!message.contains(marker)) {
            return null;
        }
        final String[] fields = record.substring(0, semi).split(",");
        long micros = System.currentTimeMillis() * 1000;
        if (fields.length >= 3) {
            try {
                final long at = bootMicros + Long.parseLong(fields[2]);
                // A clock that does not fit (a suspend in between, say) is worse than the time we read the record.
                if (Math.abs(at - micros) < 10_000_000L) {
                    micros = at;
                }
            } catch (final NumberFormatException e) {
                // keep the time of reading
            }
        }
        final Instant time = Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
        return RFC3339.format(time) + " " + host + " kernel: " + message.stripTrailing();
    }

    private static String hostName() {
        try {
            final String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
            return h.isEmpty() || h.contains(" ") ? "localhost" : h;
        } catch (final IOException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            channel.close();
        } catch (final IOException e) {
            // nothing left to read
        }
        try {
            thread.join(5000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
