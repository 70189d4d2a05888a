package io.pgwarden;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on 127.0.0.1 in front of a real PostgreSQL that holds back every CancelRequest
 * for a while before passing it on: the slow cancel a busy network or a loaded postmaster makes,
 * on demand. Everything else is forwarded at once, byte for byte.
 */
public final class DelayingForwarder implements AutoCloseable {

    private static final int CANCEL_REQUEST_CODE = 80877102;
    private static final int SSL_REQUEST_CODE = 80877103;

    private final ServerSocket listener;
    private final int upstreamPort;
    private final long cancelDelayMillis;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile int cancelsForwarded;

    public DelayingForwarder(int upstreamPort, long cancelDelayMillis) throws IOException {
        this.upstreamPort = upstreamPort;
        this.cancelDelayMillis = cancelDelayMillis;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "delaying-forwarder");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** CancelRequests passed on to PostgreSQL so far. */
    public int cancelsForwarded() {
        return cancelsForwarded;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                Thread connection = new Thread(() -> serve(client), "delaying-forwarder-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            DataInputStream in = new DataInputStream(client.getInputStream());
            byte[] head = new byte[8];
            in.readFully(head);
            if (ByteBuffer.wrap(head).getInt(4) == SSL_REQUEST_CODE) {
                // pgwarden's default tls.mode prefer asks first; the PostgreSQL of the tests has no TLS: 'N', and the packet follows
                client.getOutputStream().write('N');
                in.readFully(head);
            }
            boolean cancel = ByteBuffer.wrap(head).getInt(0) == 16 && ByteBuffer.wrap(head).getInt(4) == CANCEL_REQUEST_CODE;
            if (cancel) {
                Thread.sleep(cancelDelayMillis);
            }
            try (Socket server = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
                sockets.add(server);
                server.getOutputStream().write(head);
                if (cancel) {
                    cancelsForwarded++;
                }
                Thread upstream = new Thread(() -> pump(client, server), "delaying-forwarder-up");
                upstream.setDaemon(true);
                upstream.start();
                pump(server, client);
                upstream.join();
            }
        } catch (IOException | InterruptedException e) {
            // the connection ended
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[16384];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
