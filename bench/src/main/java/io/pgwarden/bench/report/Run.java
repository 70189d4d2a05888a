package io.pgwarden.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One measurement: one setup, one figure, one round. A line of the results file that
 * {@code bench/run.sh} writes, tab-separated:
 * {@code scenario setup round load1 figure status value1 value2 value3 value4 failed note}.
 * For throughput scenarios the values are TPS, mean, p50 and p99 latency (ms); for idle-scale
 * they are connections held, RSS before and after (KiB), and 0.
 */
public record Run(String scenario, String setup, int round, double load1, String figure, String status,
                  double value1, double value2, double value3, double value4, long failed, String note) {

    public static final String HEADER =
            "scenario\tsetup\tround\tload1\tfigure\tstatus\tvalue1\tvalue2\tvalue3\tvalue4\tfailed\tnote";

    public boolean ok() {
        return "ok".equals(status);
    }

    public static List<Run> read(Path file) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("scenario\t") || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length < 11) {
                throw new IOException("malformed line in " + file + ": " + line);
            }
            runs.add(new Run(f[0], f[1], Integer.parseInt(f[2]), number(f[3]), f[4], f[5], number(f[6]),
                    number(f[7]), number(f[8]), number(f[9]), (long) number(f[10]), f.length > 11 ? f[11] : ""));
        }
        return runs;
    }

    private static double number(String text) {
        if (text.isEmpty() || text.equals("-") || text.equalsIgnoreCase("nan")) {
            return Double.NaN;
        }
        return Double.parseDouble(text);
    }
}
