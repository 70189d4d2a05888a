package io.pgwarden.frontend;

import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandedOverBytesTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final HandedOverBytes handed;

    HandedOverBytesTest() {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(100, 200));
        handed = new HandedOverBytes(channel);
    }

    @Test
    void readingGoesOnUnderTheHighWaterMark() {
        handed.handed(199);
        assertFalse(handed.tooMany());
        assertFalse(handed.written(199), "nobody paused: nothing to resume");
    }

    @Test
    void pastTheHighWaterMarkReadingWaitsUntilTheWritingSideIsUnderTheLowOne() {
        handed.handed(150);
        handed.handed(60);
        assertTrue(handed.tooMany());
        assertFalse(handed.written(60), "150 still in flight: over the low-water mark");
        assertTrue(handed.written(150), "under it: the writing side reads again, once");
        assertFalse(handed.tooMany());
    }

    @Test
    void aPauseThatFindsEverythingWrittenMeanwhileDoesNotWait() {
        handed.handed(250);
        assertFalse(handed.written(250), "written before the reading side looked");
        assertFalse(handed.tooMany());
    }
}
