package io.pgwarden.auth;

import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ClientKey and ServerKey of a password for one salt and iteration count, derived once. PBKDF2
 * costs milliseconds of CPU, and PostgreSQL sends the same salt for a role every time until its
 * password changes: without the cache every server connection pgwarden opens (the instance budget
 * moves them between databases) would pay for it. A miss is derived on the executor the cache is
 * given, never on the event loop that asks; a hit is answered at once. Thread-safe; bounded, since
 * only the backends' roles come here.
 */
public final class ScramKeyCache {

    /** More entries than pgwarden has roles means salts keep changing: start over rather than grow. */
    private static final int MAX_ENTRIES = 1024;
    /** Derivations waiting for a thread; distinct ones only (a miss asked for twice is derived once). */
    private static final int MAX_QUEUED = MAX_ENTRIES;

    record Keys(byte[] clientKey, byte[] serverKey) {
    }

    /** What the keys are derived from (the salt as base64: records compare arrays by identity). */
    private record Source(String password, int iterations, String salt) {
    }

    /** Complete once derived; a derivation still running is shared by everyone who asks meanwhile. */
    private final ConcurrentHashMap<Source, CompletableFuture<Keys>> keys = new ConcurrentHashMap<>();
    private final Executor derivations;

    /** Derives on the thread that asks: for tests and tools, which may block. */
    public ScramKeyCache() {
        this(Runnable::run);
    }

    /** @param derivations where a miss is derived: not an event loop; see {@link #newDerivationExecutor(int)} */
    public ScramKeyCache(Executor derivations) {
        this.derivations = derivations;
    }

    /**
     * Daemon threads {@code pgwarden-scram-N}, started on demand and stopped after a minute idle,
     * and at most {@value #MAX_QUEUED} derivations waiting: beyond that a login fails at once
     * rather than queue behind a burst. Its owner shuts it down.
     */
    public static ExecutorService newDerivationExecutor(int threads) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, "pgwarden-scram-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.MINUTES,
                new ArrayBlockingQueue<>(MAX_QUEUED), factory);
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /**
     * The keys of {@code password} for this salt and iteration count: already complete when they
     * were derived before, otherwise completed on the executor once derived. Fails (with
     * {@link RejectedExecutionException} when the executor refuses the work) without being
     * remembered: the next login tries again.
     */
    CompletableFuture<Keys> keys(String password, byte[] salt, int iterations) {
        Source source = new Source(password, iterations, Base64.getEncoder().encodeToString(salt));
        CompletableFuture<Keys> known = keys.get(source);
        if (known != null) {
            return known;
        }
        if (keys.size() >= MAX_ENTRIES) {
            keys.clear();
        }
        CompletableFuture<Keys> derived = new CompletableFuture<>();
        known = keys.putIfAbsent(source, derived);
        if (known != null) {
            return known; // another connection asked first
        }
        byte[] saltCopy = salt.clone();
        try {
            derivations.execute(() -> derive(source, password, saltCopy, iterations, derived));
        } catch (RejectedExecutionException e) {
            keys.remove(source, derived);
            derived.completeExceptionally(e);
        }
        return derived;
    }

    private void derive(Source source, String password, byte[] salt, int iterations, CompletableFuture<Keys> derived) {
        try {
            byte[] passwordBytes = SaslPrep.passwordBytes(password);
            byte[] saltedPassword = ScramFunctions.saltedPassword(passwordBytes, salt, iterations);
            Keys result = new Keys(ScramFunctions.clientKey(saltedPassword), ScramFunctions.serverKey(saltedPassword));
            Arrays.fill(saltedPassword, (byte) 0);
            Arrays.fill(passwordBytes, (byte) 0);
            derived.complete(result);
        } catch (RuntimeException | Error e) {
            keys.remove(source, derived);
            derived.completeExceptionally(e);
        }
    }

    int size() {
        return keys.size();
    }
}
