package io.sigcar.verify.preset;

import static io.sigcar.verify.preset.Fixtures.CRYPTO;
import static io.sigcar.verify.preset.Fixtures.assertRejected;
import static io.sigcar.verify.preset.Fixtures.assertVerified;
import static io.sigcar.verify.preset.Fixtures.keys;
import static io.sigcar.verify.preset.Fixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.keys.KeyLookup;
import io.sigcar.verify.keys.VerifyKey;
import io.sigcar.verify.preset.Fixtures.Preset;
import io.sigcar.verify.preset.Fixtures.Request;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** What every preset must do alike: keys, rotation, tampering, duplicates, and leaving the body alone. */
class PresetCommonTest {

    private static final String OLD = "old-secret-0123456789abcdef0123456789";
    private static final String NEW = "new-secret-0123456789abcdef0123456789";
    private static final byte[] BODY = utf8("{\"id\":\"evt_1\",\"text\":\"héllo ☃\"}");

    @Test
    void hmacRunsOnTheNativeProvider() {
        assertEquals("native", CRYPTO.providerFor(Algorithm.HMAC_SHA256));
    }

    static Stream<Arguments> keyCases() {
        KeyLookup both = keys(Map.of("old", OLD, "new", NEW));
        KeyLookup onlyOther = keys(Map.of("other", NEW));
        KeyLookup nothing = id -> Optional.empty();
        KeyLookup blake3 = id -> Optional.of(new VerifyKey(id, Algorithm.BLAKE3_KEYED,
                CRYPTO.macKey(Algorithm.BLAKE3_KEYED, new byte[32])));
        Stream.Builder<Arguments> cases = Stream.builder();
        for (Preset p : Preset.values()) {
            cases.add(Arguments.of(p, "signed with the new key, both listed", List.of("old", "new"), both, NEW, "new"));
            cases.add(Arguments.of(p, "signed with the old key during rotation", List.of("old", "new"), both, OLD, "old"));
            cases.add(Arguments.of(p, "first listed key is not loaded", List.of("gone", "new"), both, NEW, "new"));
            cases.add(Arguments.of(p, "right secret, but its keyid is not listed", List.of("old"), both, NEW,
                    Reason.BAD_SIGNATURE));
            cases.add(Arguments.of(p, "a loaded key the preset may not use", List.of("new"), onlyOther, NEW, Reason.NO_KEYS));
            cases.add(Arguments.of(p, "key directory empty", List.of("new"), nothing, NEW, Reason.NO_KEYS));
            cases.add(Arguments.of(p, "no keyids configured", List.of(), both, NEW, Reason.NO_KEYS));
            cases.add(Arguments.of(p, "key bound to blake3", List.of("new"), blake3, NEW, Reason.ALGORITHM_MISMATCH));
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("keyCases")
    void keysAreTriedInOrder(Preset p, String name, List<String> keyIds, KeyLookup lookup, String signer,
            Object expected) {
        Verifier v = p.create(new PresetConfig(keyIds, PresetConfig.DEFAULT_WINDOW), lookup);
        Request r = p.signed(signer, BODY);
        if (expected instanceof Reason reason) {
            assertRejected(reason, v.verify(r));
        } else {
            assertVerified((String) expected, p.scheme(), v.verify(r));
        }
    }

    static Stream<Arguments> tamperedBytes() {
        return Arrays.stream(Preset.values()).flatMap(p -> Stream.of(0, BODY.length / 2, BODY.length - 1)
                .map(i -> Arguments.of(p, i)));
    }

    @ParameterizedTest(name = "{0}: body byte {1} flipped")
    @MethodSource("tamperedBytes")
    void aTamperedBodyByteFails(Preset p, int index) {
        Verifier v = p.create(PresetConfig.of("new"), keys(Map.of("new", NEW)));
        Request r = p.signed(NEW, BODY);
        assertVerified("new", p.scheme(), v.verify(r));
        byte[] tampered = BODY.clone();
        tampered[index] ^= 0x01;
        assertRejected(Reason.BAD_SIGNATURE, v.verify(r.withBody(Unpooled.wrappedBuffer(tampered))));
        byte[] longer = Arrays.copyOf(BODY, BODY.length + 1);
        assertRejected(Reason.BAD_SIGNATURE, v.verify(r.withBody(Unpooled.wrappedBuffer(longer))));
    }

    @ParameterizedTest
    @EnumSource(Preset.class)
    void aForeignSecretFails(Preset p) {
        Verifier v = p.create(PresetConfig.of("new"), keys(Map.of("new", NEW)));
        assertRejected(Reason.BAD_SIGNATURE, v.verify(p.signed("someone-else-entirely-0123456789", BODY)));
    }

    @ParameterizedTest
    @EnumSource(Preset.class)
    void theSignatureHeaderMissingIsMissingSignature(Preset p) {
        Verifier v = p.create(PresetConfig.of("new"), keys(Map.of("new", NEW)));
        Request unsigned = p.signed(NEW, BODY).editHeader(p.signatureHeader(), x -> null);
        assertRejected(Reason.MISSING_SIGNATURE, v.verify(unsigned));
        Request bare = Fixtures.request(Map.of(), BODY, Fixtures.NOW);
        assertFalse(v.applies(bare));
        assertRejected(Reason.MISSING_SIGNATURE, v.verify(bare));
        assertTrue(v.applies(p.signed(NEW, BODY)));
    }

    @ParameterizedTest
    @EnumSource(Preset.class)
    void duplicatedHeadersMustAgree(Preset p) {
        Verifier v = p.create(PresetConfig.of("old", "new"), keys(Map.of("old", OLD, "new", NEW)));
        Request byNew = p.signed(NEW, BODY);
        String other = p.signed(OLD, BODY).headerValues(p.signatureHeader().toLowerCase()).getFirst();
        Request same = withExtra(byNew, p.signatureHeader(), byNew.headerValues(p.signatureHeader().toLowerCase()).getFirst());
        assertVerified("new", p.scheme(), v.verify(same));
        // Both copies verify on their own; still refused, because the app might read the other one.
        assertRejected(Reason.MALFORMED_SIGNATURE, v.verify(withExtra(byNew, p.signatureHeader(), other)));
    }

    static Stream<Arguments> bodyShapes() {
        return Arrays.stream(Preset.values()).flatMap(p -> bodies().map(b -> Arguments.of(p, b.getKey(), b.getValue())));
    }

    private static Stream<Map.Entry<String, ByteBuf>> bodies() {
        byte[] big = new byte[70_000];
        new SplittableRandom(42).nextBytes(big);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(big, 0, 1000));
        composite.addComponent(true, Unpooled.directBuffer().writeBytes(big, 1000, 69_000));
        ByteBuf offset = Unpooled.buffer().writeBytes(new byte[7]).writeBytes(big);
        offset.readerIndex(7);
        return Stream.of(
                Map.entry("empty", Unpooled.EMPTY_BUFFER),
                Map.entry("pooled direct", PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(big)),
                Map.entry("composite heap+direct", composite),
                Map.entry("heap with reader index 7", offset));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("bodyShapes")
    void everyBufferShapeVerifiesAndKeepsItsIndexes(Preset p, String shape, ByteBuf body) {
        Verifier v = p.create(PresetConfig.of("new"), keys(Map.of("new", NEW)));
        int reader = body.readerIndex();
        int writer = body.writerIndex();
        byte[] copy = new byte[body.readableBytes()];
        body.getBytes(reader, copy);
        Request r = p.signed(NEW, copy).withBody(body);
        assertVerified("new", p.scheme(), v.verify(r));
        assertEquals(reader, body.readerIndex());
        assertEquals(writer, body.writerIndex());
    }

    @ParameterizedTest
    @EnumSource(Preset.class)
    void aKeyClosedByAReloadIsSkippedNotThrown(Preset p) {
        VerifyKey closed = new VerifyKey("old", Algorithm.HMAC_SHA256, Fixtures.hmac(NEW));
        closed.macKey().close();
        VerifyKey live = new VerifyKey("new", Algorithm.HMAC_SHA256, Fixtures.hmac(NEW));
        KeyLookup lookup = id -> Optional.ofNullable(Map.of("old", closed, "new", live).get(id));
        Request r = p.signed(NEW, BODY);
        assertVerified("new", p.scheme(), p.create(PresetConfig.of("old", "new"), lookup).verify(r));
        assertRejected(Reason.NO_KEYS, p.create(PresetConfig.of("old"), lookup).verify(r));
    }

    @Test
    void configRefusesBlankAndRepeatedKeyIds() {
        assertEquals("keyIds: a keyid is blank",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> PresetConfig.of("a", " ")).getMessage());
        assertEquals("keyIds: 'a' is listed twice",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> PresetConfig.of("a", "a")).getMessage());
    }

    private static Request withExtra(Request r, String header, String value) {
        Map<String, List<String>> headers = new java.util.LinkedHashMap<>(r.headers());
        String key = header.toLowerCase();
        headers.put(key, Stream.concat(headers.get(key).stream(), Stream.of(value)).toList());
        return new Request(headers, r.body(), r.receivedAt());
    }
}
