/**
 * Who may write: bearer JWTs verified against a JWKS (issuer, audience, expiry with a bounded
 * skew, {@code kid} in strict mode, an algorithm allow-list of EdDSA, ES256 and RS256), roles from
 * a claim, the {@code prod} profile's refusal to start without them, and the JSON Lines audit
 * log of every decision.
 */
package dev.cairn.log.auth;
