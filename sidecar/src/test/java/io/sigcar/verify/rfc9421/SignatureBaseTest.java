package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sigcar.reject.Reason;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.greenbytes.http.sfv.InnerList;
import org.greenbytes.http.sfv.Parser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Component values against the examples of RFC 9421 §2.1 and §2.2, and the identifiers this
 * verifier refuses. Each case covers one component, so its base is one line plus the params.
 */
class SignatureBaseTest {

    /** RFC 9421 §2.2, the request the derived-component examples use. */
    static final String DERIVED = """
            POST /path?param=value HTTP/1.1
            Host: www.example.com

            """;

    /** RFC 9421 §2.1, the fields of the normalisation examples ({@code \s} keeps trailing blanks). */
    static final String FIELDS = """
            GET /x HTTP/1.1
            Host: www.example.com
            X-OWS-Header:   Leading and trailing whitespace. \t\s
            Cache-Control: max-age=60
            Cache-Control:    must-revalidate
            Example-Dict:  a=1,    b=2;x=1;y=2,   c=(a   b   c)  \s
            X-Empty-Header:\s
            Example-Header: value, with, lots
            Example-Header: of, commas
            Example-Dict-D: a=1, b=2;x=1;y=2, c=(a b c), d

            """;

    static final String QUERY_8 = """
            GET /parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something HTTP/1.1
            Host: www.example.com

            """;

    static final String QUERY_EMPTY = """
            GET /path?param=value&foo=bar&baz=batman&qux= HTTP/1.1
            Host: www.example.com

            """;

    static final String NO_QUERY = """
            GET /path HTTP/1.1
            Host: www.example.com:443

            """;

    static final String REPEATED = """
            GET /path?a=1&a=2 HTTP/1.1
            Host: www.example.com

            """;

    @ParameterizedTest(name = "{1}")
    @MethodSource("values")
    void componentValue(String request, String identifier, String expected) throws Exception {
        InnerList input = Parser.parseInnerList("(" + identifier + ")");
        String base = SignatureBase.build(input, Message.of(TestRequest.parse("https", request)));
        assertEquals(identifier + ": " + expected + "\n\"@signature-params\": (" + identifier + ")", base);
    }

    static Stream<Arguments> values() {
        return Stream.of(
                Arguments.of(DERIVED, "\"@method\"", "POST"),
                Arguments.of(DERIVED, "\"@target-uri\"", "https://www.example.com/path?param=value"),
                Arguments.of(DERIVED, "\"@authority\"", "www.example.com"),
                Arguments.of(DERIVED, "\"@scheme\"", "https"),
                Arguments.of(DERIVED, "\"@request-target\"", "/path?param=value"),
                Arguments.of(DERIVED, "\"@path\"", "/path"),
                Arguments.of(DERIVED, "\"@query\"", "?param=value"),
                Arguments.of(NO_QUERY, "\"@query\"", "?"),
                Arguments.of(NO_QUERY, "\"@authority\"", "www.example.com"),
                Arguments.of(NO_QUERY, "\"@target-uri\"", "https://www.example.com/path"),
                Arguments.of(QUERY_8, "\"@query-param\";name=\"var\"", "this%20is%20a%20big%0Amultiline%20value"),
                Arguments.of(QUERY_8, "\"@query-param\";name=\"bar\"", "with%20plus%20whitespace"),
                Arguments.of(QUERY_8, "\"@query-param\";name=\"fa%C3%A7ade%22%3A%20\"", "something"),
                Arguments.of(QUERY_EMPTY, "\"@query-param\";name=\"baz\"", "batman"),
                Arguments.of(QUERY_EMPTY, "\"@query-param\";name=\"qux\"", ""),
                Arguments.of(QUERY_EMPTY, "\"@query-param\";name=\"param\"", "value"),
                Arguments.of(FIELDS, "\"x-ows-header\"", "Leading and trailing whitespace."),
                Arguments.of(FIELDS, "\"cache-control\"", "max-age=60, must-revalidate"),
                Arguments.of(FIELDS, "\"example-dict\"", "a=1,    b=2;x=1;y=2,   c=(a   b   c)"),
                Arguments.of(FIELDS, "\"x-empty-header\"", ""),
                Arguments.of(FIELDS, "\"example-dict\";sf", "a=1, b=2;x=1;y=2, c=(a b c)"),
                Arguments.of(FIELDS, "\"example-dict-d\";key=\"a\"", "1"),
                Arguments.of(FIELDS, "\"example-dict-d\";key=\"d\"", "?1"),
                Arguments.of(FIELDS, "\"example-dict-d\";key=\"b\"", "2;x=1;y=2"),
                Arguments.of(FIELDS, "\"example-dict-d\";key=\"c\"", "(a b c)"),
                Arguments.of(FIELDS, "\"example-header\"", "value, with, lots, of, commas"),
                Arguments.of(FIELDS, "\"example-header\";bs", ":dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refusals")
    void refused(String request, String components, Reason reason) {
        InnerList input = Parser.parseInnerList("(" + components + ")");
        ComponentException e = assertThrows(ComponentException.class,
                () -> SignatureBase.build(input, Message.of(TestRequest.parse("https", request))));
        assertEquals(reason, e.reason(), e.getMessage());
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(FIELDS, "\"cache-control\";req", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"cache-control\";tr", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"cache-control\";unknown", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"@method\";req", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"@method\";sf", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"@path\";name=\"x\"", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"@query-param\"", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"@status\"", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"@nonsense\"", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"@signature-params\"", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"Cache-Control\"", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "cache-control", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"host\" \"host\"", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"example-dict\";sf;bs", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"example-dict-d\";key=\"a\";bs", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"example-dict\";sf=?0", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"example-dict-d\";key=1", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"x-ows-header\";sf", Reason.MALFORMED_SIGNATURE),
                Arguments.of(REPEATED, "\"@query-param\";name=\"a\"", Reason.MALFORMED_SIGNATURE),
                Arguments.of(FIELDS, "\"x-absent\"", Reason.MISSING_COMPONENT),
                Arguments.of(FIELDS, "\"example-dict-d\";key=\"zz\"", Reason.MISSING_COMPONENT),
                Arguments.of(DERIVED, "\"@query-param\";name=\"nope\"", Reason.MISSING_COMPONENT),
                Arguments.of(NO_QUERY, "\"@query-param\";name=\"param\"", Reason.MISSING_COMPONENT));
    }

    /** Every kind of component at once, with a field name that must be escaped in its identifier. */
    static final String MIXED = """
            GET /p%20a/th?a=1&b=two+words&c= HTTP/1.1
            Host: www.example.com:443
            Example-Dict:  a=1,    b=2;x=1;y=2,   c=(a   b   c)  \s
            Example-Header: value, with, lots
            Example-Header:of, commas\t
            X"Y\\Z: odd name
            Cache-Control: max-age=60

            """;

    /**
     * The base is written straight into one builder; it must read exactly as the library's own
     * {@code serialize()} of each identifier, sf value, dictionary member and the inner list.
     */
    @org.junit.jupiter.api.Test
    void linesSerialiseAsTheLibraryDoes() throws Exception {
        String dict = "a=1,    b=2;x=1;y=2,   c=(a   b   c)";
        var members = Parser.parseDictionary(dict).get();
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("\"@method\"", "GET");
        expected.put("\"@target-uri\"", "https://www.example.com/p%20a/th?a=1&b=two+words&c=");
        expected.put("\"@authority\"", "www.example.com");
        expected.put("\"@scheme\"", "https");
        expected.put("\"@request-target\"", "/p%20a/th?a=1&b=two+words&c=");
        expected.put("\"@path\"", "/p%20a/th");
        expected.put("\"@query\"", "?a=1&b=two+words&c=");
        expected.put("\"@query-param\";name=\"b\"", "two%20words");
        expected.put("\"@query-param\";name=\"c\"", "");
        expected.put("\"example-dict\"", dict);
        expected.put("\"example-dict\";sf", Parser.parseDictionary(dict).serialize());
        expected.put("\"example-dict\";key=\"b\"", members.get("b").serialize());
        expected.put("\"example-dict\";key=\"c\"", members.get("c").serialize());
        expected.put("\"example-header\"", "value, with, lots, of, commas");
        expected.put("\"example-header\";bs", ":dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:");
        expected.put("\"x\\\"y\\\\z\"", "odd name");
        expected.put("\"cache-control\"", "max-age=60");
        InnerList input = Parser.parseInnerList("(" + String.join(" ", expected.keySet()) + ")"
                + ";created=1618884473;expires=1618884773;keyid=\"k\\\"1\";nonce=\"n\";alg=\"hmac-sha256\";tag=\"t\"");

        StringBuilder library = new StringBuilder();
        for (var item : input.get()) {
            library.append(item.serialize()).append(": ").append(expected.get(item.serialize())).append('\n');
        }
        library.append("\"@signature-params\": ").append(input.serialize());
        Message message = Message.of(TestRequest.parse("https", MIXED));

        assertEquals(expected.size(), input.get().size());
        assertEquals(library.toString(), SignatureBase.build(input, message));
        assertArrayEquals(library.toString().getBytes(StandardCharsets.ISO_8859_1),
                SignatureBase.bytes(SignatureBase.components(input), input, message));
    }

    @ParameterizedTest
    @MethodSource("texts")
    void latin1AsStringGetBytes(String text) {
        assertArrayEquals(text.getBytes(StandardCharsets.ISO_8859_1), SignatureBase.latin1(new StringBuilder(text)));
    }

    static Stream<String> texts() {
        return Stream.of("", "plain", "caf\u00e9 \u00ff", "\u20ac1", "a\ud83d\ude00b", "\ud83d", "x\ud83d",
                "\ude00y", "\ud83d\ud83d\ude00", "\ude00\ud83d", "\n\r\u0000");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("repetitions")
    void repetitionIsJudgedOnTheSerialisedIdentifier(String components, boolean repeated) {
        InnerList input = Parser.parseInnerList("(" + components + ")");
        if (repeated) {
            assertThrows(ComponentException.class, () -> SignatureBase.components(input));
        } else {
            assertDoesNotThrow(() -> SignatureBase.components(input));
        }
    }

    static Stream<Arguments> repetitions() {
        return Stream.of(
                Arguments.of("\"a\" \"a\"", true),
                Arguments.of("\"a\";sf \"a\";sf", true),
                Arguments.of("\"a\";key=\"x\" \"a\";key=\"x\"", true),
                Arguments.of("\"a\" \"a\";sf", false),
                Arguments.of("\"a\";sf \"a\";bs", false),
                Arguments.of("\"a\";key=\"x\" \"a\";key=\"y\"", false),
                Arguments.of("\"a\";sf;bs \"a\";bs;sf", false),
                Arguments.of("\"a\\\";sf\" \"a\";sf", false));
    }
}
