package io.pgwarden.frontend;

import io.pgwarden.RawPgClient;
import io.pgwarden.RawPgClient.Message;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static io.pgwarden.RawPgClient.bind;
import static io.pgwarden.RawPgClient.closeStatement;
import static io.pgwarden.RawPgClient.describeStatement;
import static io.pgwarden.RawPgClient.execute;
import static io.pgwarden.RawPgClient.parse;
import static io.pgwarden.RawPgClient.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Named prepared statements in transaction mode, message by message: a client gets exactly the
 * responses PostgreSQL would send it, in its own statement names, whatever pgwarden does behind.
 */
@WithPlatform
class PreparedStatementProtocolIT {

    private static TestPlatform platform;

    private static RawPgClient client() throws IOException {
        RawPgClient client = new RawPgClient(platform.pgwarden().port());
        client.loginMd5("md5-service", "md5-pw", "orders_tx");
        return client;
    }

    @Test
    void aStatementParsedOnceIsBoundAndDescribedInLaterTransactions() throws IOException {
        try (RawPgClient client = client()) {
            client.send(parse("S_1", "SELECT 41 + 1"), sync());
            assertEquals("1Z", client.typesUntilReady(null));
            for (int i = 0; i < 5; i++) {
                List<Message> messages = new ArrayList<>();
                client.send(bind("S_1"), execute(), sync());
                assertEquals("2DCZ", client.typesUntilReady(messages));
                assertEquals("42", new String(messages.get(1).body(), 6, 2));
            }
            client.send(describeStatement("S_1"), sync());
            assertEquals("tTZ", client.typesUntilReady(null));
        }
    }

    @Test
    void redefiningALiveNameIs42P05AboutTheClientsName() throws IOException {
        try (RawPgClient client = client()) {
            client.send(parse("mine", "SELECT 1"), sync());
            assertEquals("1Z", client.typesUntilReady(null));
            List<Message> messages = new ArrayList<>();
            client.send(parse("mine", "SELECT 2"), bind("mine"), execute(), sync());
            assertEquals("EZ", client.typesUntilReady(messages), "the Bind and Execute after the error are skipped");
            assertEquals("42P05", messages.get(0).fields().get('C'));
            assertEquals("prepared statement \"mine\" already exists", messages.get(0).fields().get('M'));
            client.send(bind("mine"), execute(), sync());
            List<Message> after = new ArrayList<>();
            assertEquals("2DCZ", client.typesUntilReady(after), "the first definition still stands");
            assertEquals("1", new String(after.get(1).body(), 6, 1));
        }
    }

    @Test
    void bindingAnUnknownNameIs26000AboutTheClientsName() throws IOException {
        try (RawPgClient client = client()) {
            List<Message> messages = new ArrayList<>();
            client.send(bind("never_prepared"), execute(), sync());
            assertEquals("EZ", client.typesUntilReady(messages));
            assertEquals("26000", messages.get(0).fields().get('C'));
            assertEquals("prepared statement \"never_prepared\" does not exist", messages.get(0).fields().get('M'));
        }
    }

    @Test
    void closeIsAnsweredAndTheNameIsGone() throws IOException {
        try (RawPgClient client = client()) {
            client.send(parse("temp", "SELECT 1"), sync());
            assertEquals("1Z", client.typesUntilReady(null));
            client.send(closeStatement("temp"), sync());
            assertEquals("3Z", client.typesUntilReady(null));
            List<Message> messages = new ArrayList<>();
            client.send(bind("temp"), execute(), sync());
            assertEquals("EZ", client.typesUntilReady(messages));
            assertEquals("26000", messages.get(0).fields().get('C'));
            client.send(closeStatement("never_existed"), sync());
            assertEquals("3Z", client.typesUntilReady(null), "closing an unknown name is no error, as in PostgreSQL");
        }
    }

    @Test
    void anErrorMidPipelineSkipsToSyncAndUndoesTheSkippedParses() throws IOException {
        try (RawPgClient client = client()) {
            List<Message> messages = new ArrayList<>();
            client.send(parse("good", "SELECT 'good'"), parse("bad", "SELEC 1"), parse("after", "SELECT 3"),
                    bind("good"), execute(), sync());
            assertEquals("1EZ", client.typesUntilReady(messages));
            assertEquals("42601", messages.get(1).fields().get('C'));
            client.send(bind("good"), execute(), sync());
            assertEquals("2DCZ", client.typesUntilReady(null), "a statement parsed before the error stays");
            for (String skipped : new String[] {"bad", "after"}) {
                List<Message> error = new ArrayList<>();
                client.send(bind(skipped), execute(), sync());
                assertEquals("EZ", client.typesUntilReady(error), skipped);
                assertEquals("26000", error.get(0).fields().get('C'), skipped + " was never defined");
            }
        }
    }

    @Test
    void anErrorBeforeSyncWithoutSyncYetSkipsWhatFollowsUntilTheSync() throws IOException {
        try (RawPgClient client = client()) {
            client.send(parse("x", "SELEC oops"), bind("x"), execute());
            client.send(parse("y", "SELECT 1"), bind("y"), execute());
            client.send(sync());
            List<Message> messages = new ArrayList<>();
            assertEquals("EZ", client.typesUntilReady(messages));
            client.send(bind("y"), execute(), sync());
            List<Message> error = new ArrayList<>();
            assertEquals("EZ", client.typesUntilReady(error), "y was skipped, so it does not exist");
        }
    }

    @Test
    void twoClientsPreparingTheSameTextUnderDifferentNamesBothWork() throws IOException {
        try (RawPgClient a = client(); RawPgClient b = client()) {
            a.send(parse("a_stmt", "SELECT 'shared text'"), bind("a_stmt"), execute(), sync());
            assertEquals("12DCZ", a.typesUntilReady(null));
            b.send(parse("b_stmt", "SELECT 'shared text'"), bind("b_stmt"), execute(), sync());
            assertEquals("12DCZ", b.typesUntilReady(null));
            a.send(bind("a_stmt"), execute(), sync());
            assertEquals("2DCZ", a.typesUntilReady(null));
        }
    }

    @Test
    void deallocateAllForgetsTheClientsStatements() throws IOException {
        try (RawPgClient client = client()) {
            client.send(parse("gone", "SELECT 1"), sync());
            assertEquals("1Z", client.typesUntilReady(null));
            client.query("DEALLOCATE ALL");
            assertEquals("CZ", client.typesUntilReady(null));
            List<Message> error = new ArrayList<>();
            client.send(bind("gone"), execute(), sync());
            assertEquals("EZ", client.typesUntilReady(error));
            assertEquals("26000", error.get(0).fields().get('C'));
            client.send(parse("gone", "SELECT 2"), bind("gone"), execute(), sync());
            assertEquals("12DCZ", client.typesUntilReady(null), "the name can be used again");
        }
    }
}
