package io.pgwarden.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A miss is derived on the cache's executor, once however many ask; a hit needs no executor. */
class ScramKeyCacheTest {

    private static final byte[] SALT = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** Holds derivations until the test runs them. */
    private static final class HeldDerivations implements Executor {
        final List<Runnable> held = new ArrayList<>();

        @Override
        public void execute(Runnable derivation) {
            held.add(derivation);
        }

        void runAll() {
            List<Runnable> now = new ArrayList<>(held);
            held.clear();
            now.forEach(Runnable::run);
        }
    }

    @Test
    void aMissIsDerivedOnTheExecutorOnceForEveryoneWhoAsksMeanwhile() {
        HeldDerivations executor = new HeldDerivations();
        ScramKeyCache cache = new ScramKeyCache(executor);

        CompletableFuture<ScramKeyCache.Keys> first = cache.keys("s3cret", SALT, 4096);
        CompletableFuture<ScramKeyCache.Keys> second = cache.keys("s3cret", SALT.clone(), 4096);
        assertFalse(first.isDone(), "nothing derived on the asking thread");
        assertSame(first, second, "the second login waits for the same derivation");
        assertEquals(1, executor.held.size());

        executor.runAll();
        assertTrue(first.isDone());
        byte[] saltedPassword = ScramFunctions.saltedPassword(SaslPrep.passwordBytes("s3cret"), SALT, 4096);
        assertArrayEquals(ScramFunctions.clientKey(saltedPassword), first.join().clientKey());
        assertArrayEquals(ScramFunctions.serverKey(saltedPassword), first.join().serverKey());
    }

    @Test
    void aHitIsCompleteAtOnceWithoutTheExecutor() {
        HeldDerivations executor = new HeldDerivations();
        ScramKeyCache cache = new ScramKeyCache(executor);
        cache.keys("s3cret", SALT, 4096);
        executor.runAll();

        CompletableFuture<ScramKeyCache.Keys> hit = cache.keys("s3cret", SALT, 4096);

        assertTrue(hit.isDone());
        assertTrue(executor.held.isEmpty());
        assertFalse(cache.keys("other", SALT, 4096).isDone(), "another password is another derivation");
        assertFalse(cache.keys("s3cret", SALT, 4097).isDone(), "so is another iteration count");
    }

    @Test
    void aRefusedDerivationFailsAndIsTriedAgainNextTime() {
        HeldDerivations later = new HeldDerivations();
        boolean[] refuse = {true};
        ScramKeyCache cache = new ScramKeyCache(derivation -> {
            if (refuse[0]) {
                throw new RejectedExecutionException("queue full");
            }
            later.execute(derivation);
        });

        CompletableFuture<ScramKeyCache.Keys> refused = cache.keys("s3cret", SALT, 4096);
        assertTrue(refused.isCompletedExceptionally());
        assertThrows(Exception.class, refused::join);
        assertEquals(0, cache.size(), "a failure is not remembered");

        refuse[0] = false;
        CompletableFuture<ScramKeyCache.Keys> retried = cache.keys("s3cret", SALT, 4096);
        later.runAll();
        assertTrue(retried.isDone() && !retried.isCompletedExceptionally());
    }

    @Test
    void theDerivationExecutorRunsOnDaemonThreadsOfItsOwn() throws Exception {
        var executor = ScramKeyCache.newDerivationExecutor(1);
        try {
            ScramKeyCache cache = new ScramKeyCache(executor);
            Thread[] ranOn = new Thread[1];
            CompletableFuture<ScramKeyCache.Keys> keys = cache.keys("s3cret", SALT, 4096);
            keys.join();
            executor.submit(() -> ranOn[0] = Thread.currentThread()).get();
            assertTrue(ranOn[0].getName().startsWith("pgwarden-scram-"), ranOn[0].getName());
            assertTrue(ranOn[0].isDaemon());
        } finally {
            executor.shutdownNow();
        }
    }
}
