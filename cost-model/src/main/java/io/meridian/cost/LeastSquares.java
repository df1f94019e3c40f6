package io.meridian.cost;

import java.util.Arrays;

/**
 * Least squares with non-negative coefficients, for the small dense systems calibration solves
 * (a handful of coefficients, up to some thousands of observations). Solves the normal
 * equations; a coefficient that comes out negative is fixed at zero and the rest solved again
 * (an active-set method: each round fixes one more, so it ends).
 */
public final class LeastSquares {
  private LeastSquares() {
  }

  /**
   * Returns {@code b >= 0} minimizing {@code sum_i (y_i - x_i . b)^2}.
   *
   * @param x one row of features per observation, all of the same length
   * @param y the observed value of each row
   */
  public static double[] nonNegative(double[][] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException(x.length + " rows but " + y.length + " values");
    }
    int k = x.length == 0 ? 0 : x[0].length;
    boolean[] free = new boolean[k];
    Arrays.fill(free, true);
    while (true) {
      double[] b = solve(x, y, free);
      int worst = -1;
      for (int j = 0; j < k; j++) {
        if (free[j] && b[j] < 0 && (worst < 0 || b[j] < b[worst])) {
          worst = j;
        }
      }
      if (worst < 0) {
        return b;
      }
      free[worst] = false;
    }
  }

  /** Ordinary least squares over the free columns; the others are zero. */
  private static double[] solve(double[][] x, double[] y, boolean[] free) {
    int k = free.length;
    int[] columns = new int[k];
    int n = 0;
    for (int j = 0; j < k; j++) {
      if (free[j]) {
        columns[n++] = j;
      }
    }
    double[][] a = new double[n][n + 1];
    for (int r = 0; r < x.length; r++) {
      for (int p = 0; p < n; p++) {
        double xp = x[r][columns[p]];
        for (int q = 0; q < n; q++) {
          a[p][q] += xp * x[r][columns[q]];
        }
        a[p][n] += xp * y[r];
      }
    }
    // A column that is all zero (or a copy of another) makes the system singular: a tiny
    // ridge keeps it solvable and sends that column's coefficient to zero.
    for (int p = 0; p < n; p++) {
      a[p][p] += 1e-12 * Math.max(1, a[p][p]);
    }
    for (int p = 0; p < n; p++) {
      int pivot = p;
      for (int r = p + 1; r < n; r++) {
        if (Math.abs(a[r][p]) > Math.abs(a[pivot][p])) {
          pivot = r;
        }
      }
      double[] swap = a[p];
      a[p] = a[pivot];
      a[pivot] = swap;
      for (int r = p + 1; r < n; r++) {
        double f = a[r][p] / a[p][p];
        for (int c = p; c <= n; c++) {
          a[r][c] -= f * a[p][c];
        }
      }
    }
    double[] solved = new double[n];
    for (int p = n - 1; p >= 0; p--) {
      double s = a[p][n];
      for (int q = p + 1; q < n; q++) {
        s -= a[p][q] * solved[q];
      }
      solved[p] = s / a[p][p];
    }
    double[] b = new double[k];
    for (int p = 0; p < n; p++) {
      b[columns[p]] = solved[p];
    }
    return b;
  }
}
