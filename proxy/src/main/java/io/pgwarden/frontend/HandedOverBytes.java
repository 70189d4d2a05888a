package io.pgwarden.frontend;

import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bytes one event loop handed to another in a task and that were not written there yet. A
 * channel's writability does not count what waits in its loop's task queue, so the reading side
 * stops on these too, past the high-water mark of {@code watermarks}, and the writing side reads it
 * again once they fall under the low-water mark: what one client has in flight stays bounded in both
 * directions (a COPY into a slow server, a COPY TO to a client whose loop is busy). One per direction
 * of a client.
 */
final class HandedOverBytes {

    private final Channel watermarks;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Reading stopped because of {@link #inFlight}: whoever brings it down reads again. */
    private final AtomicBoolean readingPaused = new AtomicBoolean();

    HandedOverBytes(Channel watermarks) {
        this.watermarks = watermarks;
    }

    /** On the reading side, before the task that writes them is queued. */
    void handed(int bytes) {
        inFlight.addAndGet(bytes);
    }

    /** On the writing side, once they are written: true when the reading side paused and must read again now. */
    boolean written(int bytes) {
        return inFlight.addAndGet(-bytes) < watermarks.config().getWriteBufferLowWaterMark()
                && readingPaused.compareAndSet(true, false);
    }

    /** On the reading side: true when reading must wait; {@link #written} then says when to read again. */
    boolean tooMany() {
        if (inFlight.get() < watermarks.config().getWriteBufferHighWaterMark()) {
            return false;
        }
        readingPaused.set(true);
        // the writing side may have written it all meanwhile and seen no pause: look again
        return inFlight.get() >= watermarks.config().getWriteBufferLowWaterMark() || !readingPaused.compareAndSet(true, false);
    }
}
