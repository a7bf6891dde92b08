package io.sigcar.inject;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * A PEM certificate chain and private key read from files, checked before use: both parse and
 * the key belongs to the certificate. Reading goes through symlinks, so Kubernetes' {@code ..data}
 * swap of a mounted Secret is seen as new content.
 */
public final class TlsFiles {

    private final Path cert;
    private final Path key;

    public TlsFiles(Path cert, Path key) {
        this.cert = cert;
        this.key = key;
    }

    /** One read of both files: the bytes, and Vert.x options built from them. */
    public record Material(byte[] cert, byte[] key, PemKeyCertOptions options) {

        boolean sameAs(byte[] c, byte[] k) {
            return Arrays.equals(cert, c) && Arrays.equals(key, k);
        }
    }

    public Path cert() {
        return cert;
    }

    public Path key() {
        return key;
    }

    /** Reads the files without checking them; null when either cannot be read (mid-swap, missing). */
    byte[][] readRaw() {
        try {
            return new byte[][] {Files.readAllBytes(cert), Files.readAllBytes(key)};
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads and checks; the message names the file at fault. */
    public Material load(Vertx vertx) {
        byte[][] raw = readRaw();
        if (raw == null) {
            for (Path p : new Path[] {cert, key}) {
                if (!Files.isReadable(p)) {
                    throw new IllegalArgumentException(p + ": cannot read the file");
                }
            }
            throw new IllegalArgumentException(cert + ", " + key + ": cannot read the files");
        }
        return check(vertx, raw[0], raw[1]);
    }

    Material check(Vertx vertx, byte[] certBytes, byte[] keyBytes) {
        PemKeyCertOptions options = new PemKeyCertOptions().setCertValue(Buffer.buffer(certBytes))
                .setKeyValue(Buffer.buffer(keyBytes));
        X509KeyManager km = null;
        try {
            for (KeyManager m : options.getKeyManagerFactory(vertx).getKeyManagers()) {
                if (m instanceof X509KeyManager x) {
                    km = x;
                }
            }
        } catch (Exception e) {
            throw new IllegalArgumentException(cert + ", " + key + ": not a usable PEM certificate and key: "
                    + e.getMessage(), e);
        }
        if (km == null) {
            throw new IllegalArgumentException(cert + ": no certificate found");
        }
        String alias = null;
        for (String type : new String[] {"RSA", "EC", "EdDSA", "Ed25519"}) {
            String[] aliases = km.getServerAliases(type, null);
            if (aliases != null && aliases.length > 0) {
                alias = aliases[0];
                break;
            }
        }
        if (alias == null || km.getCertificateChain(alias) == null || km.getCertificateChain(alias).length == 0) {
            throw new IllegalArgumentException(cert + ": no certificate found");
        }
        matches(km.getPrivateKey(alias), km.getCertificateChain(alias)[0]);
        return new Material(certBytes, keyBytes, options);
    }

    /** Signs a challenge with the key and verifies it with the certificate: a mismatched pair would fail every handshake. */
    private void matches(PrivateKey privateKey, X509Certificate certificate) {
        String alg = switch (privateKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException(key + ": unsupported key type " + privateKey.getAlgorithm());
        };
        try {
            byte[] challenge = "sigcar-injector-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(alg);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            if (!verifier.verify(sig)) {
                throw new IllegalArgumentException(key + ": the private key does not belong to the certificate in "
                        + cert);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(key + ": the private key does not belong to the certificate in " + cert
                    + " (" + e.getMessage() + ")", e);
        }
    }
}
