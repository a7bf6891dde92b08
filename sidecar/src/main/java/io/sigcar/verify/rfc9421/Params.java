package io.sigcar.verify.rfc9421;

import org.greenbytes.http.sfv.InnerList;
import org.greenbytes.http.sfv.IntegerItem;
import org.greenbytes.http.sfv.Item;
import org.greenbytes.http.sfv.Parameters;
import org.greenbytes.http.sfv.StringItem;

/**
 * The signature parameters of RFC 9421 §2.3 that verification acts on, type-checked. Absent
 * ones are null; other parameters (such as {@code tag}) stay in the inner list and are signed
 * as they are.
 */
record Params(Long created, Long expires, String nonce, String keyId, String alg) {

    static Params of(InnerList input) throws ComponentException {
        Parameters p = input.getParams();
        return new Params(integer(p, "created"), integer(p, "expires"), string(p, "nonce"), string(p, "keyid"),
                string(p, "alg"));
    }

    private static Long integer(Parameters params, String name) throws ComponentException {
        Item<? extends Object> item = params.get(name);
        if (item == null) {
            return null;
        }
        if (item instanceof IntegerItem i) {
            return i.get();
        }
        throw ComponentException.malformed("signature parameter " + name + " must be an integer");
    }

    private static String string(Parameters params, String name) throws ComponentException {
        Item<? extends Object> item = params.get(name);
        if (item == null) {
            return null;
        }
        if (item instanceof StringItem s) {
            return s.get();
        }
        throw ComponentException.malformed("signature parameter " + name + " must be a string");
    }
}
