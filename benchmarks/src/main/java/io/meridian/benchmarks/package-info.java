/**
 * JMH benchmarks that measure Meridian side by side, in one JVM and one run, with the backends
 * themselves (all data co-located in one DuckDB) and with plain Calcite.
 */
package io.meridian.benchmarks;
