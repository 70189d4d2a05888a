package io.pgwarden.protocol.frontend;

/** The untyped packets a client may send before authentication: the startup phase. */
public sealed interface StartupPacket permits StartupMessage, SslRequest, GssEncRequest, CancelRequest, EarlyTerminate {
}
