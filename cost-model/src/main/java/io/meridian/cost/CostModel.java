package io.meridian.cost;

import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * The coefficients the planner uses now. Calibration installs a new set while the server runs
 * and the next statement planned uses it; statements already planned keep theirs (a prepared
 * statement's plan is cached with the coefficients it was made with).
 */
public final class CostModel {
  /** What runs a calibration when a statement asks for one ({@code CALIBRATE}). */
  @FunctionalInterface
  public interface Calibrator {
    /**
     * Calibrates: with {@code fromWorkload}, fits the coefficients to the statements the
     * workload log recorded; else runs a short built-in workload against each catalog and fits
     * to that. Installs the result and returns a one-line summary.
     */
    String calibrate(boolean fromWorkload) throws Exception;
  }

  private final AtomicReference<EngineCoefficients> current;
  private volatile Calibrator calibrator;

  public CostModel(EngineCoefficients initial) {
    this.current = new AtomicReference<>(requireNonNull(initial, "initial"));
  }

  /** Returns the coefficients in use. */
  public EngineCoefficients current() {
    return current.get();
  }

  /** Sets what runs calibrations (the server's, when it keeps a workload log). */
  public void setCalibrator(Calibrator calibrator) {
    this.calibrator = calibrator;
  }

  /** Returns what runs calibrations, or null when calibration is off. */
  public Calibrator calibrator() {
    return calibrator;
  }

  /** Makes {@code coefficients} the ones the next statements are planned with. */
  public void install(EngineCoefficients coefficients) {
    current.set(requireNonNull(coefficients, "coefficients"));
  }
}
