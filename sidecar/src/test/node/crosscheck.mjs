// Reads "<algorithm> <key hex or -> <message hex or ->" lines on stdin and
// prints one hex MAC or digest per line, computed by @noble/hashes: an
// implementation written independently of BLAKE3's C code, OpenSSL, the JDK
// and Bouncy Castle, so agreement with it is not agreement with ourselves.
import { createInterface } from 'node:readline';
import { blake3 } from '@noble/hashes/blake3.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

const decode = (hex) => (hex === '-' ? new Uint8Array(0) : hexToBytes(hex));

const algorithms = {
  'blake3-keyed': (key, msg) => blake3(msg, { key }),
  'hmac-sha256': (key, msg) => hmac(sha256, key, msg),
  'sha-256': (_key, msg) => sha256(msg),
  'sha-512': (_key, msg) => sha512(msg),
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const [name, keyHex, msgHex] = line.split(' ');
  const fn = algorithms[name];
  if (!fn) {
    console.error(`unknown algorithm: ${name}`);
    process.exit(2);
  }
  process.stdout.write(bytesToHex(fn(decode(keyHex), decode(msgHex))) + '\n');
}
