package io.sigcar.verify.sfv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.greenbytes.http.sfv.InnerList;
import org.greenbytes.http.sfv.Item;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.Parameters;
import org.greenbytes.http.sfv.ParseException;
import org.greenbytes.http.sfv.Parser;
import org.junit.jupiter.api.Test;

/**
 * {@link Dictionaries} against the library's {@link Parser} on the same lines: what the quick
 * reader accepts must be exactly the library's result, and it may never accept a line the library
 * refuses. A quick reader that handed every line to the library would pass that, so the shapes
 * signers send must also be read without it.
 */
class DictionariesTest {

    private static final String[] SIGNER_LINES = {
        // Sigcar's own signer (sigcar sign), RFC 9421 §B.2 examples, RFC 9530 and common clients.
        "sig1=(\"@method\" \"@authority\" \"@path\" \"@query\" \"content-digest\");created=1796329744;"
                + "nonce=\"61ea425ce67e2eb196bfb0825de0dcd0\";keyid=\"k32\";alg=\"hmac-sha256\"",
        "sig1=:U45YmRDb1bqCa1NRMK2EPN1frP7geQ+yB04dDlPmr8M=:",
        "sha-256=:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=:",
        "sig-b21=();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"",
        "sig-b22=(\"@authority\" \"content-digest\" \"@query-param\";name=\"Pet\");created=1618884473"
                + ";keyid=\"test-key-rsa-pss\";tag=\"header-example\"",
        "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\")"
                + ";created=1618884473;keyid=\"test-key-ed25519\"",
        "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx"
                + "7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO"
                + "4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/"
                + "SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:, "
                + "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
        "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1700000000;expires=1700000300;alg=\"ed25519\"",
        "reqres=(\"@status\" \"content-digest\" \"@method\";req);created=1618884479;keyid=\"test-key-ecc-p256\"",
        "a=1, b=?0, c=tok/en:x, d=\"str\";p;q=-12, e=(1 2 3);z=*x",
    };

    @Test
    void theShapesSignersSendAreReadWithoutTheLibrary() {
        for (String line : SIGNER_LINES) {
            Map<String, ListElement<? extends Object>> quick = Dictionaries.quick(line);
            assertNotNull(quick, () -> "handed to the library: " + line);
            assertEquals(describe(library(line)), describe(quick), line);
        }
    }

    @Test
    void whatItDoesNotReadGoesToTheLibraryWithTheLibrarysAnswer() {
        String[] deferred = {
            "a=1.5", "a=\"es\\\"cape\"", "a", "a;p=1", "a=1, a=2", "a=(1);p=1;p=2", "", "   ",
            "a=1,", "a=1 b=2", "A=1", "a=:not base64 !:", "a=:QQ=Q:", "a=\"caf\u00e9\"", "a=1\u00e9",
            "a=1234567890123456", "a=-", "a=?2", "a=(1 2", "a=\"open", "a=:QQ==",
        };
        for (String line : deferred) {
            assertNull(Dictionaries.quick(line), line);
            agrees(line);
        }
        assertEquals(describe(new Parser(List.of("a=1", "b=2")).parseDictionary().get()),
                describe(Dictionaries.parse(List.of("a=1", "b=2"))));
        assertThrows(ParseException.class, () -> Dictionaries.parse(List.of()));
    }

    @Test
    void randomDictionariesAndTheirMutationsAgreeWithTheLibrary() {
        Random random = new Random(0x5f0c);
        for (int n = 0; n < 20_000; n++) {
            boolean plain = n % 2 == 0;
            String line = dictionary(random, plain);
            boolean quick = agrees(line);
            if (plain) {
                // No decimal, escape or repeated key: the quick reader must read it itself.
                assertTrue(quick, () -> "handed to the library: " + line);
            }
            for (int m = 0; m < 3; m++) {
                agrees(mutate(random, line));
            }
        }
    }

    /** The same property for a fuzzing campaign ({@code JAZZER_FUZZ=1}, docs/security-fuzz.md); a build replays its seeds. */
    @FuzzTest(maxDuration = "2m")
    void agreesWithTheLibrary(byte[] data) {
        agrees(new String(data, StandardCharsets.ISO_8859_1));
    }

    /** @return whether the quick reader read the line itself */
    private static boolean agrees(String line) {
        Map<String, ListElement<? extends Object>> quick = Dictionaries.quick(line);
        Map<String, ListElement<? extends Object>> library;
        try {
            library = library(line);
        } catch (ParseException e) {
            assertNull(quick, () -> "the library refuses, the quick reader accepts: " + line);
            assertThrows(ParseException.class, () -> Dictionaries.parse(List.of(line)), line);
            return false;
        }
        if (quick != null) {
            assertEquals(describe(library), describe(quick), line);
        }
        assertEquals(describe(library), describe(Dictionaries.parse(List.of(line))), line);
        return quick != null;
    }

    private static Map<String, ListElement<? extends Object>> library(String line) {
        return new Parser(List.of(line)).parseDictionary().get();
    }

    /** Types, values, parameters and order, spelled out (the library's types have no equals). */
    private static String describe(Map<String, ? extends Object> map) {
        StringBuilder out = new StringBuilder("{");
        map.forEach((k, v) -> out.append(k).append("=>").append(describe(v)).append(','));
        return out.append('}').toString();
    }

    private static String describe(Object value) {
        if (value instanceof InnerList list) {
            StringBuilder out = new StringBuilder("InnerList[");
            for (Item<? extends Object> item : list.get()) {
                out.append(describe(item)).append(' ');
            }
            return out.append(']').append(describe((Map<String, ?>) list.getParams())).toString();
        }
        if (value instanceof Item<?> item) {
            Object v = item.get();
            String shown = v instanceof ByteBuffer b ? HexFormat.of().formatHex(bytes(b)) : String.valueOf(v);
            Parameters params = item.getParams();
            return item.getClass().getSimpleName() + "(" + shown + ")"
                    + (params.isEmpty() ? "" : describe((Map<String, ?>) params));
        }
        throw new AssertionError("unexpected " + value);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }

    // ---- generation ----

    private static String dictionary(Random r, boolean plain) {
        StringBuilder out = new StringBuilder();
        out.append(" ".repeat(r.nextInt(8) == 0 ? 1 : 0));
        int members = 1 + r.nextInt(4);
        for (int i = 0; i < members; i++) {
            if (i > 0) {
                out.append(pick(r, ",", ", ", " ,", ",\t", " , "));
            }
            out.append(key(r)).append(plain ? Integer.toString(i) : "").append('=');
            if (r.nextInt(3) == 0) {
                out.append(bareItem(r, plain));
            } else {
                out.append('(').append(r.nextInt(6) == 0 ? " " : "");
                int items = r.nextInt(6);
                for (int j = 0; j < items; j++) {
                    if (j > 0) {
                        out.append(r.nextInt(6) == 0 ? "  " : " ");
                    }
                    out.append(bareItem(r, plain)).append(parameters(r, 4, plain));
                }
                out.append(r.nextInt(6) == 0 ? " " : "").append(')');
            }
            out.append(parameters(r, 2, plain));
        }
        return out.append(r.nextInt(8) == 0 ? " " : "").toString();
    }

    private static String parameters(Random r, int oneIn, boolean plain) {
        StringBuilder out = new StringBuilder();
        while (r.nextInt(oneIn) == 0 || out.length() == 0 && r.nextInt(3) == 0) {
            out.append(';').append(r.nextInt(8) == 0 ? " " : "").append(key(r)).append(plain ? "_" + out.length() : "");
            if (r.nextInt(5) != 0) {
                out.append('=').append(bareItem(r, plain));
            }
        }
        return out.toString();
    }

    private static String bareItem(Random r, boolean plain) {
        return switch (r.nextInt(9)) {
            case 0, 1 -> (r.nextInt(4) == 0 ? "-" : "") + digits(r, 1 + r.nextInt(r.nextInt(10) == 0 && !plain ? 17 : 10));
            case 2 -> plain ? digits(r, 15) : digits(r, 1 + r.nextInt(12)) + "." + digits(r, 1 + r.nextInt(3));
            case 3, 4 -> {
                StringBuilder s = new StringBuilder("\"");
                for (int i = r.nextInt(20); i > 0; i--) {
                    int c = 0x20 + r.nextInt(0x5f);
                    if (c == '"' || c == '\\') {
                        if (plain) {
                            continue;
                        }
                        s.append('\\');
                    }
                    s.append((char) c);
                }
                yield s.append('"').toString();
            }
            case 5 -> {
                String first = "*abcXYZ";
                String rest = "abcxyzABZ019!#$%&'*+-.^_`|~:/";
                StringBuilder s = new StringBuilder().append(first.charAt(r.nextInt(first.length())));
                for (int i = r.nextInt(10); i > 0; i--) {
                    s.append(rest.charAt(r.nextInt(rest.length())));
                }
                yield s.toString();
            }
            case 6, 7 -> {
                byte[] b = new byte[r.nextInt(70)];
                r.nextBytes(b);
                String b64 = java.util.Base64.getEncoder().encodeToString(b);
                yield ":" + (r.nextInt(4) == 0 ? b64.replace("=", "") : b64) + ":";
            }
            default -> r.nextBoolean() ? "?1" : "?0";
        };
    }

    private static String key(Random r) {
        String first = "abcdefghijklmnopqrstuvwxyz*";
        String rest = "abcz09_-.*";
        StringBuilder s = new StringBuilder().append(first.charAt(r.nextInt(first.length())));
        for (int i = r.nextInt(8); i > 0; i--) {
            s.append(rest.charAt(r.nextInt(rest.length())));
        }
        return s.toString();
    }

    private static String digits(Random r, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append((char) ('0' + r.nextInt(10)));
        }
        return s.toString();
    }

    private static String mutate(Random r, String line) {
        String specials = "=;,()\"\\:?* \t-.\u00e9\u0001\u007fAZ9";
        List<Character> chars = new ArrayList<>();
        for (char c : line.toCharArray()) {
            chars.add(c);
        }
        for (int k = 1 + r.nextInt(3); k > 0; k--) {
            int at = chars.isEmpty() ? 0 : r.nextInt(chars.size());
            char c = specials.charAt(r.nextInt(specials.length()));
            switch (r.nextInt(3)) {
                case 0 -> chars.add(at, c);
                case 1 -> { if (!chars.isEmpty()) chars.remove(at); }
                default -> { if (!chars.isEmpty()) chars.set(at, c); }
            }
        }
        StringBuilder out = new StringBuilder();
        chars.forEach(out::append);
        return out.toString();
    }

    private static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }
}
