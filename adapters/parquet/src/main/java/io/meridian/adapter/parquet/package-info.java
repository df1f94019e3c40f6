/**
 * Parquet files as a Meridian storage backend ({@code type: parquet}): a directory tree of
 * {@code <schema>/<table>.parquet} files or {@code <schema>/<table>/} folders, read by embedded
 * DuckDB's vectorized Parquet reader.
 */
package io.meridian.adapter.parquet;
