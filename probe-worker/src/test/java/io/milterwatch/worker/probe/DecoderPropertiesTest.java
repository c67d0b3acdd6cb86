package io.milterwatch.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever a hostile or broken server sends, the decoders answer with a verdict, never an
 * exception, and never allocate from a length field: the milter reply judge and the AXIMilter line
 * reader, on random bytes and on mutations of real replies.
 */
class DecoderPropertiesTest {

    private static final byte[] OFFER = MilterProtocol.optnegV6();

    @Property(tries = 3000)
    void shouldJudgeAnyBytesWithoutThrowing(@ForAll @Size(max = 300) final byte[] bytes, @ForAll @IntRange(max = 300) final int cut) {
        final int len = Math.min(cut, bytes.length);
        final MilterReply.Verdict v = MilterReply.judge(bytes, len, OFFER);
        assertThat(v).isNotNull();
        if (v instanceof MilterReply.NotMilter n) {
            assertThat(n.reason()).isNotBlank();
            assertThat(n.banner().length()).isLessThanOrEqualTo(MilterReply.BANNER_BYTES * 4 + 3);
        }
        if (v instanceof MilterReply.NeedMore more) {
            // asking for more never means more than one frame of the largest legal length
            assertThat(more.total()).isLessThanOrEqualTo(MilterProtocol.MAX_FRAME_LENGTH + 4);
        }
    }

    @Property(tries = 3000)
    void shouldNeverCallAMutatedReplyAMilterUnlessItIsStillValid(@ForAll("validReplies") final byte[] reply,
            @ForAll @IntRange(max = 16) final int position, @ForAll final byte value) {
        final byte[] mutated = reply.clone();
        mutated[position % mutated.length] = value;
        final MilterReply.Verdict v = MilterReply.judge(mutated, mutated.length, OFFER);
        if (v instanceof MilterReply.Milter m) {
            // what passes must still satisfy every rule of the reference
            assertThat(mutated[4]).isEqualTo((byte) 'O');
            assertThat(m.version()).isBetween(2, 6);
            assertThat(m.actions() & ~0x1FFL).isZero();
            assertThat(m.protocol() & ~(0x1FFFFFL | 0x30000000L)).isZero();
        }
    }

    @Property(tries = 2000)
    void shouldReadAnyAximilterBytesWithoutThrowing(@ForAll @Size(max = 600) final byte[] bytes) {
        final AxiMilterProtocol.Line line = AxiMilterProtocol.firstLine(bytes, bytes.length);
        assertThat(line).isNotNull();
        if (line instanceof AxiMilterProtocol.Text t) {
            assertThat(t.line().length()).isLessThanOrEqualTo(AxiMilterProtocol.MAX_LINE);
            // a text line carries no NUL or other control bytes (tab and a stray CR aside)
            assertThat(t.line().chars()).noneMatch(c -> c < 0x20 && c != '\t' && c != '\r' || c == 0x7F);
            // and judging it never throws, whatever escapes it holds (an exception fails the property)
            AxiMilterProtocol.isEnvelopeError(t.line());
        }
    }

    @Provide
    Arbitrary<byte[]> validReplies() {
        return Arbitraries.integers().between(2, 6).flatMap(version -> Arbitraries.longs().between(0, 0x1FF).flatMap(actions ->
                Arbitraries.longs().between(0, 0x1FFFFF).map(protocol -> ByteBuffer.allocate(17).putInt(13).put((byte) 'O').putInt(version)
                        .putInt((int) (long) actions).putInt((int) (long) protocol).array())));
    }
}
