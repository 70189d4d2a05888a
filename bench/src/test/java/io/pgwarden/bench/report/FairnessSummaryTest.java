package io.pgwarden.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FairnessSummaryTest {

    private static Run db(String setup, int round, String database, double tps, double p99) {
        return new Run("many-databases", setup, round, 2.0, database, "ok", tps, 1, 1, p99, 0, "");
    }

    @Test
    void totalsTheDatabasesAndSpreadsTheirP99PerRoundThenTakesTheMedianOverRounds() {
        List<Run> runs = List.of(
                db("pgwarden", 1, "db01", 100, 10), db("pgwarden", 1, "db02", 50, 20), db("pgwarden", 1, "db03", 150, 40),
                db("pgwarden", 2, "db01", 120, 12), db("pgwarden", 2, "db02", 60, 18), db("pgwarden", 2, "db03", 180, 36),
                db("pgwarden", 3, "db01", 110, 11), db("pgwarden", 3, "db02", 40, 22), db("pgwarden", 3, "db03", 170, 33),
                db("pgbouncer", 1, "db01", 100, 10), db("pgbouncer", 1, "db02", 100, 10), db("pgbouncer", 1, "db03", 100, 50));
        List<FairnessSummary.Round> rounds = FairnessSummary.rounds(runs);

        assertEquals(4, rounds.size());
        FairnessSummary.Round first = rounds.get(0);
        assertEquals(300, first.totalTps());
        assertEquals(10, first.bestP99());
        assertEquals(20, first.medianP99());
        assertEquals(40, first.worstP99());
        assertEquals(4.0, first.spread());

        String markdown = new FairnessSummary(runs, List.of(
                new FairnessSummary.Servers("pgwarden", 1, 15, 15), new FairnessSummary.Servers("pgwarden", 2, 14, 12),
                new FairnessSummary.Servers("pgwarden", 3, 15, 15))).markdown();
        // TPS 300, 360, 320: median 320; spreads 4, 3, 3: median 3; worst p99 40, 36, 33: median 36
        assertTrue(markdown.contains("| pgwarden | 15 (15) | 320 (300–360) | 11.0 / 20.0 / 36.0 | 3.00 | 0 | 2.0–2.0 |"), markdown);
        assertTrue(markdown.contains("| PgBouncer | - | 300 (300–300) | 10.0 / 10.0 / 50.0 | 5.00 | 0 |"), markdown);
        assertTrue(markdown.contains("PgBouncer: TPS ×1.07, worst database's p99 ×0.72"), markdown);
    }

    @Test
    void aSetupThatCouldNotStartCountsItsDatabasesAsFailingWithTheFirstError() {
        List<Run> runs = List.of(
                new Run("many-databases", "direct-pool10", 1, 2.0, "db01", "fails", 0, Double.NaN, Double.NaN, Double.NaN, 0,
                        "FATAL: sorry, too many clients already"),
                new Run("many-databases", "direct-pool10", 1, 2.0, "db02", "fails", 0, Double.NaN, Double.NaN, Double.NaN, 0,
                        "FATAL: sorry, too many clients already"));

        String markdown = new FairnessSummary(runs, List.of()).markdown();

        assertTrue(markdown.contains("| direct-pool10 | - | 0 (0–0) | - / - / - | - | up to 2 of 2 |"), markdown);
        assertTrue(markdown.contains("- direct-pool10, round 1: 2 of 2 databases with errors; first: `FATAL: sorry, too many clients already`"),
                markdown);
    }
}
