package io.sigcar.verify.keys;

import java.util.Optional;

/** Finds the current key for a keyid; the answer may change when the key directory reloads. */
@FunctionalInterface
public interface KeyLookup {
    Optional<VerifyKey> find(String keyId);
}
