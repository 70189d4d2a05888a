package io.pgwarden.frontend;

import io.pgwarden.RawPgClient;
import io.pgwarden.frontend.FuzzConversation.Outcome;
import io.pgwarden.frontend.FuzzConversation.Violation;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hostile traffic for bench/soak.sh: {@link FrontendFuzz} sequences, without end, against a running
 * pgwarden, by clients that log in again whenever a sequence closed them. It judges each one as
 * {@link ProtocolFuzzIT} does, but only counts and prints what it finds, and goes on.
 * Run from the test classes with pgwarden.jar on the class path:
 * <pre>
 * java -cp proxy/target/test-classes:proxy/target/pgwarden.jar io.pgwarden.frontend.FuzzTraffic \
 *     --port 6432 --user hostile --password PW --databases bench_tx,bench_session --clients 2 --seconds 60 [--seed 1]
 * </pre>
 * With {@code --sequence SEED} it plays just that sequence (a seed a failure printed) on the first
 * database and prints what came back.
 * The service must log in with md5 (all {@link RawPgClient} speaks); the databases need a table
 * {@code fuzz_copy (n int)}.
 */
public final class FuzzTraffic {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** The first violations are printed in full; after that only counted. */
    private static final int VIOLATIONS_PRINTED = 20;

    private final Map<String, String> options;
    private final Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
    private final AtomicInteger violations = new AtomicInteger();
    private final AtomicInteger loginFailures = new AtomicInteger();

    private FuzzTraffic(Map<String, String> options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        for (String required : List.of("port", "user", "password", "databases")) {
            if (!options.containsKey(required)) {
                System.err.println("usage: FuzzTraffic --port P --user U --password PW --databases a,b [--clients N] [--seconds S] [--seed X | --sequence SEED]");
                System.exit(2);
            }
        }
        FuzzTraffic traffic = new FuzzTraffic(options);
        if (options.containsKey("sequence")) {
            traffic.replay(Long.parseLong(options.get("sequence")));
        } else {
            traffic.run();
        }
    }

    /** Plays one sequence on the first database and prints it with what came back. */
    private void replay(long sequenceSeed) throws IOException {
        FrontendFuzz.Sequence sequence = FrontendFuzz.generate(sequenceSeed);
        System.out.println(sequence.describe());
        try (RawPgClient client = login(options.get("databases").split(",")[0])) {
            FuzzConversation conversation = new FuzzConversation(client, READ_TIMEOUT);
            try {
                System.out.println("outcome " + conversation.play(sequence) + "; read: " + conversation.transcript());
            } catch (Violation v) {
                System.out.println("violation: " + v.getMessage());
            }
        }
    }

    private void run() throws InterruptedException {
        long seed = Long.parseLong(options.getOrDefault("seed", String.valueOf(System.nanoTime())));
        long end = System.nanoTime() + Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "60"))).toNanos();
        int clientsPerDatabase = Integer.parseInt(options.getOrDefault("clients", "2"));
        System.out.println("fuzz-traffic: seed " + seed);
        List<Thread> threads = new ArrayList<>();
        int client = 0;
        for (String database : options.get("databases").split(",")) {
            for (int i = 0; i < clientsPerDatabase; i++) {
                long clientSeed = seed * 1_000 + client++;
                Thread thread = new Thread(() -> fuzz(database, clientSeed, end), "fuzz-" + database + "-" + i);
                thread.start();
                threads.add(thread);
            }
        }
        for (Thread thread : threads) {
            thread.join();
        }
        synchronized (outcomes) {
            System.out.println("fuzz-traffic: outcomes " + outcomes + ", violations " + violations.get()
                    + ", failed logins " + loginFailures.get());
        }
    }

    /** One client's loop: sequence seeds are the client's seed times 1,000,000 plus a counter. */
    private void fuzz(String database, long clientSeed, long end) {
        RawPgClient client = null;
        for (long n = 0; System.nanoTime() < end; n++) {
            FrontendFuzz.Sequence sequence = FrontendFuzz.generate(clientSeed * 1_000_000 + n);
            try {
                if (client == null) {
                    client = login(database);
                }
                Outcome outcome = new FuzzConversation(client, READ_TIMEOUT).play(sequence);
                synchronized (outcomes) {
                    outcomes.merge(outcome, 1, Integer::sum);
                }
                if (outcome != Outcome.IDLE) {
                    client = hangUp(client);
                }
            } catch (Violation v) {
                client = hangUp(client);
                if (violations.incrementAndGet() <= VIOLATIONS_PRINTED) {
                    System.out.println("fuzz-traffic: violation on " + database + ": " + v.getMessage() + "\n  " + sequence.describe());
                }
            } catch (IOException | IllegalStateException e) {
                // a login refused or cut (e.g. a pool stuck by an earlier sequence): counted, then tried again
                client = hangUp(client);
                if (loginFailures.incrementAndGet() <= VIOLATIONS_PRINTED) {
                    System.out.println("fuzz-traffic: " + database + ": " + e);
                }
            }
        }
        hangUp(client);
    }

    private RawPgClient login(String database) throws IOException {
        RawPgClient client = new RawPgClient(Integer.parseInt(options.get("port")));
        try {
            client.loginMd5(options.get("user"), options.get("password"), database);
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static RawPgClient hangUp(RawPgClient client) {
        if (client != null) {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing a socket already closed by the other side
            }
        }
        return null;
    }
}
