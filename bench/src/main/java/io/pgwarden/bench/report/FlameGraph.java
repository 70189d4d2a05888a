package io.pgwarden.bench.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A flame graph drawn with Java2D from folded stacks ({@code root;caller;callee count} per line,
 * as {@code bench/scripts/jfr-flame.sh} makes them from a JFR recording): the root at the bottom,
 * each frame as wide as the samples that passed through it. Colours say whose code it is:
 * pgwarden green, Netty blue, the JDK orange, native code (syscalls) grey.
 */
public final class FlameGraph {

    private static final int WIDTH = 1600;
    private static final int ROW = 17;
    private static final int TOP = 56;
    private static final int MARGIN = 10;

    /** One frame of the merged tree. */
    private static final class Node {
        final String name;
        final Map<String, Node> children = new LinkedHashMap<>();
        long samples;

        Node(String name) {
            this.name = name;
        }

        Node child(String frame) {
            return children.computeIfAbsent(frame, Node::new);
        }

        int depth() {
            int deepest = 0;
            for (Node child : children.values()) {
                deepest = Math.max(deepest, child.depth());
            }
            return deepest + 1;
        }
    }

    private final Node root = new Node("all");
    private final String title;

    private FlameGraph(String title) {
        this.title = title;
    }

    /** Reads folded stacks; lines that are not {@code frames count} are skipped. */
    public static FlameGraph fromFolded(Path folded, String title) throws IOException {
        FlameGraph graph = new FlameGraph(title);
        for (String line : Files.readAllLines(folded)) {
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            long count;
            try {
                count = Long.parseLong(line.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            graph.add(line.substring(0, space).split(";"), count);
        }
        return graph;
    }

    void add(String[] stack, long count) {
        Node node = root;
        node.samples += count;
        for (String frame : stack) {
            node = node.child(frame);
            node.samples += count;
        }
    }

    public void write(Path png) throws IOException {
        int depth = root.depth();
        int height = TOP + depth * ROW + MARGIN;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, MARGIN, 24);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(String.format(Locale.ROOT, "%,d samples; width = share of samples; pgwarden green, Netty blue,"
                    + " JDK orange, native grey", root.samples), MARGIN, 42);
            g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 11));
            draw(g, root, MARGIN, WIDTH - 2 * MARGIN, height - MARGIN - ROW);
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", png.toFile());
    }

    private void draw(Graphics2D g, Node node, double x, double width, int y) {
        if (width < 1) {
            return;
        }
        g.setColor(colour(node.name));
        g.fillRect((int) x, y, Math.max(1, (int) width - 1), ROW - 1);
        FontMetrics metrics = g.getFontMetrics();
        String label = String.format(Locale.ROOT, "%s %.1f%%", node.name, 100.0 * node.samples / root.samples);
        if (metrics.stringWidth(label) > width - 4) {
            label = fit(node.name, metrics, width - 4);
        }
        if (!label.isEmpty()) {
            g.setColor(Color.BLACK);
            g.drawString(label, (int) x + 2, y + ROW - 5);
        }
        double childX = x;
        List<Node> children = new ArrayList<>(node.children.values());
        children.sort((a, b) -> a.name.compareTo(b.name));
        for (Node child : children) {
            double childWidth = width * child.samples / node.samples;
            draw(g, child, childX, childWidth, y - ROW);
            childX += childWidth;
        }
    }

    private static String fit(String text, FontMetrics metrics, double width) {
        if (width < metrics.stringWidth("...") + 2) {
            return "";
        }
        String shown = text;
        while (!shown.isEmpty() && metrics.stringWidth(shown + "...") > width) {
            shown = shown.substring(0, shown.length() - 1);
        }
        return shown + "...";
    }

    private static Color colour(String frame) {
        int hash = Math.abs(frame.hashCode() % 40);
        if (frame.equals("all")) {
            return new Color(0xdddddd);
        }
        if (frame.startsWith("pgwarden.") || frame.contains("io.pgwarden")) {
            return new Color(90 + hash, 190, 100 + hash);
        }
        if (frame.startsWith("netty.") || frame.contains("io.netty")) {
            return new Color(110 + hash, 160 + hash, 230);
        }
        if (frame.equals("native") || frame.contains("Native") || frame.contains("epollWait")) {
            return new Color(170 + hash, 170 + hash, 170 + hash);
        }
        return new Color(240, 170 + hash, 90);
    }
}
