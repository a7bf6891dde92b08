package io.sigcar.verify.sfv;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.greenbytes.http.sfv.BooleanItem;
import org.greenbytes.http.sfv.ByteSequenceItem;
import org.greenbytes.http.sfv.InnerList;
import org.greenbytes.http.sfv.IntegerItem;
import org.greenbytes.http.sfv.Item;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.Parameters;
import org.greenbytes.http.sfv.ParseException;
import org.greenbytes.http.sfv.Parser;
import org.greenbytes.http.sfv.StringItem;
import org.greenbytes.http.sfv.TokenItem;

/**
 * Structured-field dictionaries (RFC 8941 §4.2.2) as every RFC 9421 request carries them:
 * {@code Signature-Input}, {@code Signature} and {@code Content-Digest}.
 *
 * <p>The library's {@link Parser} is the authority, and slow on the hot path: it reads a
 * character at a time through a {@code CharBuffer} and a {@code StringBuilder}, about a tenth of
 * an RFC 9421 request's CPU. This class reads the shape signers send (one field line; members
 * {@code key=value}; integers, strings without escapes, tokens, byte sequences and booleans;
 * inner lists; parameters) straight from the string into the library's own types. Anything
 * else, valid or not, goes to the library unchanged: decimals, escapes, several field lines,
 * bare-boolean members, a repeated key, and every error. So what this class accepts it parses
 * exactly as the library does (the differential test holds it to that), and the library alone
 * decides what is malformed and says why.
 */
public final class Dictionaries {

    private static final Base64.Decoder BASE64 = Base64.getDecoder();

    private Dictionaries() {}

    /** The dictionary of these field lines, as {@code new Parser(lines).parseDictionary()} reads it. */
    public static Map<String, ListElement<? extends Object>> parse(List<String> lines) {
        if (lines.size() == 1) {
            Map<String, ListElement<? extends Object>> quick = new Reader(lines.get(0)).dictionary();
            if (quick != null) {
                return quick;
            }
        }
        return new Parser(lines).parseDictionary().get();
    }

    /** What {@link #parse} reads without the library: null for anything outside its shape. */
    static Map<String, ListElement<? extends Object>> quick(String line) {
        return new Reader(line).dictionary();
    }

    /** One pass over one field line; every method returns null (or -1) to hand the line to the library. */
    private static final class Reader {
        private final String s;
        private final int end;
        private int i;

        Reader(String s) {
            this.s = s;
            this.end = s.length();
        }

        Map<String, ListElement<? extends Object>> dictionary() {
            skip(' ');
            Map<String, ListElement<? extends Object>> members = new LinkedHashMap<>();
            while (true) {
                String key = key();
                if (key == null || i >= end || s.charAt(i) != '=' || members.containsKey(key)) {
                    return null;
                }
                i++;
                ListElement<? extends Object> value = i < end && s.charAt(i) == '(' ? innerList() : item();
                if (value == null) {
                    return null;
                }
                members.put(key, value);
                skipOws();
                if (i == end) {
                    return members;
                }
                if (s.charAt(i) != ',') {
                    return null;
                }
                i++;
                skipOws();
                if (i == end) {
                    return null;
                }
            }
        }

        private InnerList innerList() {
            i++; // '('
            List<Item<? extends Object>> items = new ArrayList<>();
            while (true) {
                skip(' ');
                if (i >= end) {
                    return null;
                }
                if (s.charAt(i) == ')') {
                    i++;
                    break;
                }
                Item<? extends Object> item = item();
                if (item == null || i >= end || (s.charAt(i) != ' ' && s.charAt(i) != ')')) {
                    return null;
                }
                items.add(item);
            }
            Parameters params = parameters();
            if (params == null) {
                return null;
            }
            InnerList list = InnerList.valueOf(items);
            return params.isEmpty() ? list : list.withParams(params);
        }

        private Item<? extends Object> item() {
            Item<? extends Object> bare = bareItem();
            if (bare == null) {
                return null;
            }
            Parameters params = parameters();
            if (params == null) {
                return null;
            }
            return params.isEmpty() ? bare : bare.withParams(params);
        }

        private Parameters parameters() {
            if (i >= end || s.charAt(i) != ';') {
                return Parameters.EMPTY;
            }
            Map<String, Object> params = new LinkedHashMap<>();
            while (i < end && s.charAt(i) == ';') {
                i++;
                skip(' ');
                String key = key();
                if (key == null || params.containsKey(key)) {
                    return null;
                }
                Item<? extends Object> value = BooleanItem.valueOf(true);
                if (i < end && s.charAt(i) == '=') {
                    i++;
                    value = bareItem();
                    if (value == null) {
                        return null;
                    }
                }
                params.put(key, value);
            }
            return Parameters.valueOf(params);
        }

        private Item<? extends Object> bareItem() {
            if (i >= end) {
                return null;
            }
            char c = s.charAt(i);
            if (c == '-' || digit(c)) {
                return integer();
            } else if (c == '"') {
                return string();
            } else if (c == ':') {
                return bytes();
            } else if (c == '?') {
                return bool();
            } else if (c == '*' || alpha(c)) {
                return token();
            }
            return null;
        }

        private IntegerItem integer() {
            boolean negative = s.charAt(i) == '-';
            int start = negative ? ++i : i;
            long value = 0;
            while (i < end && digit(s.charAt(i))) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 15 || (i < end && s.charAt(i) == '.')) {
                return null; // not a number, too long, or a decimal: the library's
            }
            return IntegerItem.valueOf(negative ? -value : value);
        }

        private StringItem string() {
            int start = ++i;
            while (i < end) {
                char c = s.charAt(i);
                if (c == '"') {
                    return StringItem.valueOf(s.substring(start, i++));
                }
                if (c < 0x20 || c >= 0x7f || c == '\\') {
                    return null; // an error or an escape: the library's
                }
                i++;
            }
            return null;
        }

        private ByteSequenceItem bytes() {
            int start = ++i;
            while (i < end) {
                char c = s.charAt(i);
                if (c == ':') {
                    try {
                        return ByteSequenceItem.valueOf(BASE64.decode(s.substring(start, i++)));
                    } catch (IllegalArgumentException bad) {
                        return null;
                    }
                }
                if (!(alpha(c) || digit(c) || c == '+' || c == '/' || c == '=')) {
                    return null;
                }
                i++;
            }
            return null;
        }

        private BooleanItem bool() {
            if (i + 1 < end && (s.charAt(i + 1) == '0' || s.charAt(i + 1) == '1')) {
                i += 2;
                return BooleanItem.valueOf(s.charAt(i - 1) == '1');
            }
            return null;
        }

        private TokenItem token() {
            int start = i++;
            while (i < end && tokenChar(s.charAt(i))) {
                i++;
            }
            return TokenItem.valueOf(s.substring(start, i));
        }

        private String key() {
            if (i >= end) {
                return null;
            }
            char c = s.charAt(i);
            if (c != '*' && !lowerAlpha(c)) {
                return null;
            }
            int start = i++;
            while (i < end) {
                c = s.charAt(i);
                if (!(lowerAlpha(c) || digit(c) || c == '_' || c == '-' || c == '.' || c == '*')) {
                    break;
                }
                i++;
            }
            return s.substring(start, i);
        }

        private void skip(char c) {
            while (i < end && s.charAt(i) == c) {
                i++;
            }
        }

        private void skipOws() {
            while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
        }

        private static boolean digit(char c) {
            return c >= '0' && c <= '9';
        }

        private static boolean lowerAlpha(char c) {
            return c >= 'a' && c <= 'z';
        }

        private static boolean alpha(char c) {
            return lowerAlpha(c) || (c >= 'A' && c <= 'Z');
        }

        /** RFC 8941's token characters after the first: tchar, ':' and '/'. */
        private static boolean tokenChar(char c) {
            return c > ' ' && c < 0x7f && "\"(),;<=>?@[\\]{}".indexOf(c) < 0;
        }
    }
}
