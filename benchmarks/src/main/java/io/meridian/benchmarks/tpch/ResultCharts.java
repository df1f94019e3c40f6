package io.meridian.benchmarks.tpch;

import io.meridian.benchmarks.tpch.HarnessResults.QueryRun;
import io.meridian.benchmarks.tpch.HarnessResults.SystemRun;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.IOException;
import java.text.DecimalFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The harness's charts, as PNG: per query, each system's median on a log scale
 * ({@code tpch-per-query.png}), and each system's total over the queries every system answered
 * ({@code tpch-totals.png}). Regenerate from a results directory with
 * {@code java ... io.meridian.benchmarks.tpch.ResultCharts DIR}.
 */
public final class ResultCharts {
  private static final Color[] COLORS = {new Color(0x4e79a7), new Color(0xf28e2b),
      new Color(0xe15759), new Color(0x76b7b2), new Color(0x59a14f), new Color(0xedc948),
      new Color(0xb07aa1)};

  private ResultCharts() {
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "bench-results");
    write(HarnessResults.read(dir), dir);
  }

  static void write(HarnessResults results, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    String subtitle = String.format(Locale.ROOT, "TPC-H-derived, SF %s, layout %s, %s",
        results.scale(), results.layout(), results.startedAt());
    DefaultCategoryDataset perQuery = new DefaultCategoryDataset();
    for (SystemRun s : results.systems()) {
      for (int n : results.queryNumbers()) {
        Optional<QueryRun> q = s.query(n);
        perQuery.addValue(q.filter(QueryRun::ok).map(QueryRun::medianMs).orElse(null),
            s.name(), String.format(Locale.ROOT, "q%02d", n));
      }
    }
    save(chart("Median time per query (ms, log scale; no bar: not answered)", subtitle,
        perQuery, true), dir.resolve("tpch-per-query.png"), 1600, 700);

    List<Integer> common = results.queryNumbers().stream()
        .filter(n -> results.systems().stream()
            .allMatch(s -> s.query(n).map(QueryRun::ok).orElse(false)))
        .toList();
    DefaultCategoryDataset totals = new DefaultCategoryDataset();
    for (SystemRun s : results.systems()) {
      double total = common.stream()
          .mapToDouble(n -> s.query(n).map(QueryRun::medianMs).orElse(0.0)).sum();
      totals.addValue(total / 1000, "total", s.name());
    }
    save(chart(String.format(Locale.ROOT,
        "Total of medians over the %d queries every system answered (s, log scale)",
        common.size()), subtitle, totals, false), dir.resolve("tpch-totals.png"), 1000, 500);
  }

  private static JFreeChart chart(String title, String subtitle, DefaultCategoryDataset data,
      boolean legend) {
    JFreeChart chart = ChartFactory.createBarChart(title, null, null, data,
        PlotOrientation.VERTICAL, legend, false, false);
    chart.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle));
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    double smallest = Double.MAX_VALUE;
    double largest = 0;
    for (int r = 0; r < data.getRowCount(); r++) {
      for (int c = 0; c < data.getColumnCount(); c++) {
        Number v = data.getValue(r, c);
        if (v != null && v.doubleValue() > 0) {
          smallest = Math.min(smallest, v.doubleValue());
          largest = Math.max(largest, v.doubleValue());
        }
      }
    }
    double floor = largest == 0 ? 0.1 : Math.pow(10, Math.floor(Math.log10(smallest)));
    double ceiling = largest == 0 ? 1 : Math.pow(10, Math.ceil(Math.log10(largest) + 1e-9));
    LogAxis axis = new LogAxis();
    axis.setBase(10);
    axis.setSmallestValue(floor);
    axis.setRange(floor, ceiling);
    axis.setTickUnit(new NumberTickUnit(1)); // one tick per decade
    axis.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
    plot.setRangeAxis(axis);
    plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
    plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(2f);
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setBase(floor);
    renderer.setItemMargin(0.02);
    for (int i = 0; i < data.getRowCount(); i++) {
      renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
    }
    return chart;
  }

  private static void save(JFreeChart chart, Path file, int width, int height)
      throws IOException {
    ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
  }
}
