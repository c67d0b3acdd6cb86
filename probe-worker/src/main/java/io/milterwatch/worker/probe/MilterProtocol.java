package io.milterwatch.worker.probe;

/** Sendmail-milter wire constants (libmilter's mfdef.h), only what a safe handshake needs. */
public final class MilterProtocol {

    public static final byte SMFIC_OPTNEG = 'O';
    public static final byte SMFIC_QUIT = 'Q';

    /** Actions and protocol masks a real MTA offers at version 6: everything, so no milter declines. */
    public static final int V6_ACTIONS = 0x1FF;
    public static final int V6_PROTOCOL = 0x1FFFFF;
    public static final int V2_ACTIONS = 0x3F;
    public static final int V2_PROTOCOL = 0x7F;
    /** SMFIP_MDS_256K and SMFIP_MDS_1M: packet-size bits that may appear in a negotiation reply. */
    public static final int PACKET_SIZE_BITS = 0x10000000 | 0x20000000;

    /** Largest frame length we accept from a milter: libmilter's default maximum data size plus the command byte. */
    public static final int MAX_FRAME_LENGTH = 65536;
    /** Smallest OPTNEG reply: the command byte and three uint32. */
    public static final int MIN_OPTNEG_LENGTH = 13;

    private MilterProtocol() {
    }

    /** The 17-byte SMFIC_OPTNEG an MTA sends: length 13, 'O', version, actions, protocol. */
    public static byte[] optneg(final int version, final int actions, final int protocol) {
        final byte[] frame = new byte[17];
        putInt(frame, 0, 13);
        frame[4] = SMFIC_OPTNEG;
        putInt(frame, 5, version);
        putInt(frame, 9, actions);
        putInt(frame, 13, protocol);
        return frame;
    }

    public static byte[] optnegV6() {
        return optneg(6, V6_ACTIONS, V6_PROTOCOL);
    }

    /** The version-2 offer (v2 masks) for old milters that stay silent to a version-6 offer. */
    public static byte[] optnegV2() {
        return optneg(2, V2_ACTIONS, V2_PROTOCOL);
    }

    /** SMFIC_QUIT: length 1, 'Q'. The milter answers nothing and closes. */
    public static byte[] quit() {
        return new byte[] {0, 0, 0, 1, SMFIC_QUIT};
    }

    static void putInt(final byte[] b, final int at, final int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static long uint(final byte[] b, final int at) {
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
    }
}
