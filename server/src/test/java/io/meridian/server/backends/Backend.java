package io.meridian.server.backends;

/** The JDBC backends of the conformance suite, each holding all TPC-H tables in schema tpch. */
enum Backend {
  POSTGRES("tpch_pg"), DUCKDB("tpch_duckdb"), CLICKHOUSE("tpch_ch");

  /** The Meridian catalog under which the backend is served. */
  final String catalog;

  Backend(String catalog) {
    this.catalog = catalog;
  }
}
