package io.pgwarden.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A grouped bar chart drawn with Java2D: one group per figure, one bar per setup (the median),
 * a whisker from min to max, "fails" where a setup failed, and an optional dashed reference line.
 */
public final class BarChart {

    private static final Color[] PALETTE = {
        new Color(0x8c8c8c), new Color(0x4c72b0), new Color(0xdd8452), new Color(0x55a868), new Color(0xc44e52),
    };
    private static final int GROUP_GAP = 28;
    private static final int BAR_WIDTH = 26;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 76;
    private static final int PLOT_HEIGHT = 360;
    private static final int BOTTOM = 90;

    /** One bar: median with min/max, or failed (drawn as a label). */
    public record Bar(Stats stats, boolean failed) {
    }

    private final String title;
    private final String yLabel;
    private final List<String> groups;
    private final List<String> series;
    private final Bar[][] bars;
    private final double reference;
    private final String referenceLabel;

    /**
     * @param bars      [group][series]; null for a bar that was not measured
     * @param reference a horizontal line (e.g. a target), NaN for none
     */
    public BarChart(String title, String yLabel, List<String> groups, List<String> series, Bar[][] bars,
                    double reference, String referenceLabel) {
        this.title = title;
        this.yLabel = yLabel;
        this.groups = groups;
        this.series = series;
        this.bars = bars;
        this.reference = reference;
        this.referenceLabel = referenceLabel;
    }

    public void writePng(Path file) throws IOException {
        int groupWidth = series.size() * BAR_WIDTH + GROUP_GAP;
        int width = Math.max(560, LEFT + RIGHT + groups.size() * groupWidth);
        int height = TOP + PLOT_HEIGHT + BOTTOM;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            draw(g, width, groupWidth);
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private void draw(Graphics2D g, int width, int groupWidth) {
        double top = niceCeiling(maxValue());
        int plotBottom = TOP + PLOT_HEIGHT;
        Font plain = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, 22);

        // legend
        g.setFont(plain);
        int x = LEFT;
        for (int s = 0; s < series.size(); s++) {
            g.setColor(PALETTE[s % PALETTE.length]);
            g.fillRect(x, 34, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(series.get(s), x + 16, 44);
            x += 24 + g.getFontMetrics().stringWidth(series.get(s));
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("bar: median over the rounds; whisker: min to max", LEFT, 60);

        // axis and grid
        for (int i = 0; i <= 5; i++) {
            double value = top * i / 5;
            int y = plotBottom - (int) Math.round(PLOT_HEIGHT * value / top);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(LEFT, y, width - RIGHT, y);
            g.setColor(Color.DARK_GRAY);
            String label = format(value);
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, TOP, LEFT, plotBottom);
        g.drawLine(LEFT, plotBottom, width - RIGHT, plotBottom);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yLabel, -(TOP + PLOT_HEIGHT / 2 + g.getFontMetrics().stringWidth(yLabel) / 2), 18);
        rotated.dispose();

        // bars
        for (int gi = 0; gi < groups.size(); gi++) {
            int groupX = LEFT + GROUP_GAP / 2 + gi * groupWidth;
            for (int s = 0; s < series.size(); s++) {
                Bar bar = bars[gi][s];
                int barX = groupX + s * BAR_WIDTH;
                if (bar == null) {
                    continue;
                }
                if (bar.failed() || bar.stats().empty()) {
                    g.setColor(new Color(0xc44e52));
                    drawVertical(g, "fails", barX + BAR_WIDTH / 2 + 4, plotBottom - 4);
                    continue;
                }
                int barTop = plotBottom - (int) Math.round(PLOT_HEIGHT * bar.stats().median() / top);
                g.setColor(PALETTE[s % PALETTE.length]);
                g.fillRect(barX + 2, barTop, BAR_WIDTH - 4, plotBottom - barTop);
                int yMin = plotBottom - (int) Math.round(PLOT_HEIGHT * bar.stats().min() / top);
                int yMax = plotBottom - (int) Math.round(PLOT_HEIGHT * bar.stats().max() / top);
                g.setColor(Color.BLACK);
                int mid = barX + BAR_WIDTH / 2;
                g.drawLine(mid, yMin, mid, yMax);
                g.drawLine(mid - 4, yMin, mid + 4, yMin);
                g.drawLine(mid - 4, yMax, mid + 4, yMax);
            }
            // group label, one line per '/'-separated part
            g.setColor(Color.BLACK);
            FontMetrics metrics = g.getFontMetrics();
            String[] lines = groups.get(gi).split("\\s*/\\s*");
            int centre = groupX + series.size() * BAR_WIDTH / 2;
            for (int l = 0; l < lines.length; l++) {
                g.drawString(lines[l], centre - metrics.stringWidth(lines[l]) / 2, plotBottom + 16 + 13 * l);
            }
        }

        if (!Double.isNaN(reference)) {
            int y = plotBottom - (int) Math.round(PLOT_HEIGHT * reference / top);
            g.setColor(new Color(0xc44e52));
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            g.drawLine(LEFT, y, width - RIGHT, y);
            g.drawString(referenceLabel, width - RIGHT - g.getFontMetrics().stringWidth(referenceLabel), y - 4);
        }
    }

    private static void drawVertical(Graphics2D g, String text, int x, int y) {
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.translate(x, y);
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(text, 0, 0);
        rotated.dispose();
    }

    private double maxValue() {
        double max = Double.isNaN(reference) ? 0 : reference;
        for (Bar[] group : bars) {
            for (Bar bar : group) {
                if (bar != null && !bar.failed() && !bar.stats().empty()) {
                    max = Math.max(max, bar.stats().max());
                }
            }
        }
        return max <= 0 ? 1 : max;
    }

    static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String format(double value) {
        if (value >= 10_000) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.1f", value);
    }
}
