/**
 * The embedded federated demo: TPC-H-derived data generated with {@code io.trino.tpch} and laid
 * out across an embedded PostgreSQL ({@code shop}), an embedded DuckDB file ({@code analytics})
 * and Parquet files ({@code lake}), with one co-located DuckDB copy kept as the oracle.
 */
package io.meridian.server.demo;
