// Runs the webhook vendors' own SDK code against Sigcar's presets. Reads lines
// "<op> <secret hex> <unix seconds> <body hex> [<header hex>]" on stdin (hex of
// UTF-8 text) and prints one line per input: a header value for the *-sign ops,
// "true" or "false" for the *-verify ops. Slack's SDK has a verifier but no
// signer, so Slack is checked in one direction only.
import { createInterface } from 'node:readline';
import { sign as githubSign, verify as githubVerify } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { isValidSlackRequest } from '@slack/bolt';

const stripe = new Stripe('sk_test_unused_no_network');
const text = (hex) => Buffer.from(hex === '-' ? '' : hex, 'hex').toString('utf8');

const ops = {
  'github-sign': (secret, _t, body) => githubSign(secret, body),
  'github-verify': (secret, _t, body, header) => githubVerify(secret, body, header),
  'stripe-sign': (secret, t, body) =>
    stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t }),
  'stripe-verify': (secret, t, body, header) => {
    try {
      // Judged as if received at t, so only the signature decides.
      return stripe.webhooks.signature.verifyHeader(body, header, secret, 300, undefined, t * 1000);
    } catch (e) {
      if (e.type === 'StripeSignatureVerificationError') return false;
      throw e;
    }
  },
  'slack-verify': (secret, t, body, header) =>
    isValidSlackRequest({
      signingSecret: secret,
      body,
      headers: { 'x-slack-signature': header, 'x-slack-request-timestamp': t },
      nowMilliseconds: t * 1000,
    }),
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const [op, secretHex, t, bodyHex, headerHex] = line.split(' ');
  const fn = ops[op];
  if (!fn) {
    console.error(`unknown op: ${op}`);
    process.exit(2);
  }
  const answer = await fn(text(secretHex), Number(t), text(bodyHex), headerHex && text(headerHex));
  process.stdout.write(String(answer) + '\n');
}
