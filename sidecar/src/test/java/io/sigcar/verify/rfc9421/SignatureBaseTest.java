package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sigcar.reject.Reason;
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
}
