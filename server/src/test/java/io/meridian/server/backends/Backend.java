package io.meridian.server.backends;

/** The JDBC backends of the conformance suite, each holding all TPC-H tables in schema tpch. */
enum Backend {
  POSTGRES("tpch_pg", "tpch_pg", "public"), DUCKDB("tpch_duckdb", "scratch_duckdb", "main"),
  CLICKHOUSE("tpch_ch", "tpch_ch", "default");

  /** The Meridian catalog under which the backend is served. */
  final String catalog;

  /**
   * A writable {@code catalog.schema} of the same backend, for DDL and writes (the DuckDB
   * catalog of TPC-H is the oracle's file, opened read-only, so DuckDB has a second catalog).
   */
  final String scratch;

  /** The same as {@link #scratch}, as a default schema ({@code Connection.setSchema}). */
  final String scratchPath;

  Backend(String catalog, String scratchCatalog, String scratchSchema) {
    this.catalog = catalog;
    this.scratch = scratchCatalog + ".\"" + scratchSchema + "\"";
    this.scratchPath = scratchCatalog + "." + scratchSchema;
  }
}
