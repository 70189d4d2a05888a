/**
 * Authentication crypto, free of Netty and of the wire format: SCRAM-SHA-256 as PostgreSQL speaks
 * it (RFC 5802 and RFC 7677, no channel binding) on both sides, and md5.
 *
 * <ul>
 *   <li>{@link io.pgwarden.auth.ScramServerExchange}: pgwarden authenticating a client, from a
 *       {@link io.pgwarden.auth.ScramVerifier}.</li>
 *   <li>{@link io.pgwarden.auth.ScramClientExchange}: pgwarden logging in to PostgreSQL.</li>
 *   <li>{@link io.pgwarden.auth.Md5Password}: md5 in both directions.</li>
 * </ul>
 *
 * The exchanges take and return the SASL payloads as bytes (the contents of
 * SASLInitialResponse, SASLResponse, AuthenticationSASLContinue and AuthenticationSASLFinal); the
 * caller frames them. Each exchange is a small state machine for one connection and is not
 * thread-safe. Every failure is an {@link io.pgwarden.auth.AuthenticationFailedException}.
 *
 * <p>Deriving a key from a password (PBKDF2, 4096 rounds by default) costs milliseconds of CPU:
 * {@link io.pgwarden.auth.ScramVerifier#fromPassword(String)} does it (pgwarden calls it at start,
 * for services with a plain password), and {@link io.pgwarden.auth.ScramKeyCache} does it once per
 * backend role and salt, on an executor of its own, for
 * {@link io.pgwarden.auth.ScramClientExchange#readServerFirst(byte[])}; verifying a client against
 * a stored verifier does not.
 */
package io.pgwarden.auth;
