package io.sigcar.verify.keys;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.MacKey;

/** A loaded key: its id (the file name), its algorithm binding, and the prepared MAC key. */
public record VerifyKey(String id, Algorithm algorithm, MacKey macKey) {}
