package io.pgwarden.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Time series as small multiples, drawn with Java2D: one panel per series, each with its own y
 * scale from 0 (a slow climb must not be hidden by another series' range), time in minutes below.
 */
public final class LineCharts {

    private static final int COLUMNS = 2;
    private static final int PANEL_WIDTH = 560;
    private static final int PANEL_HEIGHT = 220;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 34;
    private static final int BOTTOM = 34;
    private static final int TITLE_HEIGHT = 44;
    private static final Color LINE = new Color(0x4c72b0);

    /** One panel: a name, its unit, and values at {@code seconds}. */
    public record Series(String name, String unit, double[] values) {
    }

    private final String title;
    private final double[] seconds;
    private final List<Series> series;

    public LineCharts(String title, double[] seconds, List<Series> series) {
        this.title = title;
        this.seconds = seconds;
        this.series = series;
    }

    public void writePng(Path file) throws IOException {
        int rows = (series.size() + COLUMNS - 1) / COLUMNS;
        BufferedImage image = new BufferedImage(COLUMNS * PANEL_WIDTH, TITLE_HEIGHT + rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 16, 28);
        for (int i = 0; i < series.size(); i++) {
            drawPanel(g, series.get(i), (i % COLUMNS) * PANEL_WIDTH, TITLE_HEIGHT + (i / COLUMNS) * PANEL_HEIGHT);
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private void drawPanel(Graphics2D g, Series s, int x0, int y0) {
        int plotLeft = x0 + LEFT;
        int plotRight = x0 + PANEL_WIDTH - RIGHT;
        int plotTop = y0 + TOP;
        int plotBottom = y0 + PANEL_HEIGHT - BOTTOM;
        double maxValue = 0;
        for (double v : s.values()) {
            if (!Double.isNaN(v)) {
                maxValue = Math.max(maxValue, v);
            }
        }
        // four gridlines at round values: the step is rounded up, not the top
        double top = maxValue <= 0 ? 4 : 4 * BarChart.niceCeiling(maxValue / 4);
        double lastSecond = seconds.length == 0 ? 1 : Math.max(1, seconds[seconds.length - 1]);

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.setColor(Color.BLACK);
        g.drawString(s.name() + (s.unit().isEmpty() ? "" : " (" + s.unit() + ")"), plotLeft, y0 + 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int tick = 0; tick <= 4; tick++) {
            int y = plotBottom - (plotBottom - plotTop) * tick / 4;
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(plotLeft, y, plotRight, y);
            g.setColor(Color.DARK_GRAY);
            String label = BarChart.format(top * tick / 4);
            g.drawString(label, plotLeft - 6 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        double minutes = lastSecond / 60;
        for (int tick = 0; tick <= 5; tick++) {
            int x = plotLeft + (plotRight - plotLeft) * tick / 5;
            String label = BarChart.format(minutes * tick / 5) + (tick == 5 ? " min" : "");
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, plotBottom + 16);
        }
        g.setColor(Color.BLACK);
        g.drawLine(plotLeft, plotTop, plotLeft, plotBottom);
        g.drawLine(plotLeft, plotBottom, plotRight, plotBottom);

        g.setColor(LINE);
        g.setStroke(new BasicStroke(1.4f));
        int previousX = -1;
        int previousY = -1;
        for (int i = 0; i < seconds.length; i++) {
            double v = s.values()[i];
            if (Double.isNaN(v)) {
                previousX = -1; // a missed sample: a gap, not a line through it
                continue;
            }
            int x = plotLeft + (int) Math.round((plotRight - plotLeft) * seconds[i] / lastSecond);
            int y = plotBottom - (int) Math.round((plotBottom - plotTop) * v / top);
            if (previousX >= 0) {
                g.drawLine(previousX, previousY, x, y);
            }
            previousX = x;
            previousY = y;
        }
        g.setStroke(new BasicStroke(1f));
    }
}
