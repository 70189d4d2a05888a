package io.pgwarden.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakReportTest {

    @Test
    void slopeIsPerMinuteAndSkipsMissedSamples() {
        double[] seconds = {0, 30, 60, 90, 120};
        double[] values = {100, 105, Double.NaN, 115, 120}; // 10 a minute
        assertEquals(10.0, SoakReport.slopePerMinute(seconds, values, 0), 1e-9);
        assertEquals(10.0, SoakReport.slopePerMinute(seconds, values, 60), 1e-9);
        assertTrue(Double.isNaN(SoakReport.slopePerMinute(seconds, values, 120)), "one sample has no slope");
    }

    @Test
    void aLeakThatStartsHalfwayShowsInTheSecondHalfSlope(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("samples.csv");
        StringBuilder text = new StringBuilder("seconds,rss_mib,fds\n");
        for (int s = 0; s <= 240; s += 10) {
            // flat for two minutes, then 3 MiB a minute; fds flat with one missed sample
            text.append(s).append(',').append(s < 120 ? 200 : 200 + (s - 120) / 20.0).append(',').append(s == 50 ? "" : "40").append('\n');
        }
        Files.writeString(csv, text);
        List<SoakReport.Summary> summaries = SoakReport.read(csv).summaries();
        SoakReport.Summary rss = summaries.get(0);
        assertEquals("rss_mib", rss.name());
        assertEquals(200.0, rss.first());
        assertEquals(206.0, rss.last());
        assertEquals(3.0, rss.secondHalfSlopePerMinute(), 1e-9);
        assertTrue(rss.slopePerMinute() < rss.secondHalfSlopePerMinute(), "the first half dilutes it");
        SoakReport.Summary fds = summaries.get(1);
        assertEquals(0.0, fds.slopePerMinute(), 1e-9);
        assertEquals(40.0, fds.max());
    }

    @Test
    void theChartIsAPng(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("samples.csv");
        Files.writeString(csv, "seconds,rss_mib,pg_backends\n0,100,3\n1,101,\n2,103,4\n");
        Path png = dir.resolve("chart.png");
        SoakReport.read(csv).chart("soak").writePng(png);
        byte[] bytes = Files.readAllBytes(png);
        assertEquals((byte) 0x89, bytes[0]);
        assertEquals('P', bytes[1]);
    }
}
