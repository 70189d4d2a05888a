package io.pgwarden.pool;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecentPeakTest {

    @Test
    void aBurstCountsUntilItHasLeftTheWindow() {
        RecentPeak peak = new RecentPeak(3);
        peak.record(2);
        peak.record(7);
        peak.record(3);
        assertEquals(7, peak.peak());
        peak.advance(1);
        assertEquals(7, peak.peak(), "one tick later");
        peak.advance(0);
        assertEquals(7, peak.peak(), "two ticks later");
        peak.advance(0);
        assertEquals(1, peak.peak(), "three ticks later the burst is out; the 1 in use at the second tick is not");
        peak.advance(0);
        assertEquals(0, peak.peak());
    }

    @Test
    void whatIsInUseWhenATickBeginsCounts() {
        RecentPeak peak = new RecentPeak(2);
        peak.advance(4); // four long transactions still running
        peak.advance(4);
        peak.advance(4);
        assertEquals(4, peak.peak());
        peak.record(5);
        assertEquals(5, peak.peak());
    }

    @Test
    void aWindowNeedsATick() {
        assertThrows(IllegalArgumentException.class, () -> new RecentPeak(0));
    }
}
