package io.pgwarden.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.frontend.EndAtBoundary.When;
import io.pgwarden.frontend.PooledClient.State;
import io.pgwarden.protocol.TransactionStatus;
import org.junit.jupiter.api.Test;

class EndAtBoundaryTest {

    @Test
    void aClientHoldingNoTransactionGoesAtOnceInEitherMode() {
        for (boolean transactionMode : new boolean[] {true, false}) {
            assertEquals(When.NOW, EndAtBoundary.when(State.LOGGING_IN, transactionMode), "before its ReadyForQuery nothing ran");
            assertEquals(When.NOW, EndAtBoundary.when(State.CLOSED, transactionMode));
        }
        assertEquals(When.NOW, EndAtBoundary.when(State.IDLE, true), "between transactions, without a server");
    }

    @Test
    void inTransactionModeATransactionRunsToItsEnd() {
        assertEquals(When.WHEN_SERVER_IDLE, EndAtBoundary.when(State.ATTACHED, true),
                "its lease ends at the transaction's end anyway; a pinned client's is ended when its server is idle");
        assertEquals(When.AT_LEASE_END, EndAtBoundary.when(State.ACQUIRING, true),
                "its first message was sent: its transaction is begun, it runs once a server comes");
        assertEquals(When.AT_LEASE_END, EndAtBoundary.when(State.DRAINING, true));
    }

    @Test
    void inSessionModeTheServerSaysWhenTheClientIsIdle() {
        assertEquals(When.WHEN_SERVER_IDLE, EndAtBoundary.when(State.ATTACHED, false));
        assertTrue(EndAtBoundary.sessionIdle(true, TransactionStatus.IDLE));
        assertFalse(EndAtBoundary.sessionIdle(true, TransactionStatus.IN_TRANSACTION), "BEGIN ran: idle in a transaction");
        assertFalse(EndAtBoundary.sessionIdle(true, TransactionStatus.FAILED), "a failed transaction still needs its ROLLBACK");
        assertFalse(EndAtBoundary.sessionIdle(false, TransactionStatus.IDLE), "a query is still running, or unsynced");
    }

    @Test
    void atAMovesTimeoutWhoHoldsAnOldServerIsEndedAtItsBoundaryOrAsAStraggler() {
        assertEquals(EndAtBoundary.AtMoveTimeout.END_AT_BOUNDARY,
                EndAtBoundary.atMoveTimeout(false, false, true, TransactionStatus.IDLE), "a session client between transactions");
        assertEquals(EndAtBoundary.AtMoveTimeout.END_AT_BOUNDARY,
                EndAtBoundary.atMoveTimeout(true, true, true, TransactionStatus.IDLE), "a pinned client between transactions");
        assertEquals(EndAtBoundary.AtMoveTimeout.LEAVE,
                EndAtBoundary.atMoveTimeout(true, false, true, TransactionStatus.IDLE),
                "transaction mode, unpinned, its transaction just ended: its lease ends by itself and it goes on");
        for (boolean transactionMode : new boolean[] {true, false}) {
            for (boolean pinned : new boolean[] {true, false}) {
                assertEquals(EndAtBoundary.AtMoveTimeout.END_NOW,
                        EndAtBoundary.atMoveTimeout(transactionMode, pinned, true, TransactionStatus.IN_TRANSACTION));
                assertEquals(EndAtBoundary.AtMoveTimeout.END_NOW,
                        EndAtBoundary.atMoveTimeout(transactionMode, pinned, true, TransactionStatus.FAILED));
                assertEquals(EndAtBoundary.AtMoveTimeout.END_NOW,
                        EndAtBoundary.atMoveTimeout(transactionMode, pinned, false, TransactionStatus.IDLE),
                        "a request still running: a straggler too");
            }
        }
    }
}
