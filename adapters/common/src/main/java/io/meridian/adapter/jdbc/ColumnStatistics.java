package io.meridian.adapter.jdbc;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a backend's catalog knows about one column: its number of distinct values, the fraction
 * of its values that are NULL, and its smallest and largest value (as text). Each is null when
 * the backend does not know it.
 */
public record ColumnStatistics(@Nullable Double distinctCount, @Nullable Double nullFraction,
    @Nullable String min, @Nullable String max) {
}
