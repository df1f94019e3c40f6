package io.meridian.server.demo;

import com.google.common.collect.ImmutableMap;

import java.util.List;

/** The TPC-H tables: column definitions (the same DDL serves PostgreSQL and DuckDB). */
public final class TpchSchema {
  /** Table name to column list, in generator column order. */
  public static final ImmutableMap<String, String> COLUMNS = ImmutableMap.<String, String>builder()
      .put("region", "r_regionkey INTEGER NOT NULL, r_name VARCHAR(25) NOT NULL,"
          + " r_comment VARCHAR(152) NOT NULL")
      .put("nation", "n_nationkey INTEGER NOT NULL, n_name VARCHAR(25) NOT NULL,"
          + " n_regionkey INTEGER NOT NULL, n_comment VARCHAR(152) NOT NULL")
      .put("supplier", "s_suppkey INTEGER NOT NULL, s_name VARCHAR(25) NOT NULL,"
          + " s_address VARCHAR(40) NOT NULL, s_nationkey INTEGER NOT NULL,"
          + " s_phone VARCHAR(15) NOT NULL, s_acctbal DECIMAL(15,2) NOT NULL,"
          + " s_comment VARCHAR(101) NOT NULL")
      .put("customer", "c_custkey INTEGER NOT NULL, c_name VARCHAR(25) NOT NULL,"
          + " c_address VARCHAR(40) NOT NULL, c_nationkey INTEGER NOT NULL,"
          + " c_phone VARCHAR(15) NOT NULL, c_acctbal DECIMAL(15,2) NOT NULL,"
          + " c_mktsegment VARCHAR(10) NOT NULL, c_comment VARCHAR(117) NOT NULL")
      .put("part", "p_partkey INTEGER NOT NULL, p_name VARCHAR(55) NOT NULL,"
          + " p_mfgr VARCHAR(25) NOT NULL, p_brand VARCHAR(10) NOT NULL,"
          + " p_type VARCHAR(25) NOT NULL, p_size INTEGER NOT NULL,"
          + " p_container VARCHAR(10) NOT NULL, p_retailprice DECIMAL(15,2) NOT NULL,"
          + " p_comment VARCHAR(23) NOT NULL")
      .put("partsupp", "ps_partkey INTEGER NOT NULL, ps_suppkey INTEGER NOT NULL,"
          + " ps_availqty INTEGER NOT NULL, ps_supplycost DECIMAL(15,2) NOT NULL,"
          + " ps_comment VARCHAR(199) NOT NULL")
      .put("orders", "o_orderkey BIGINT NOT NULL, o_custkey INTEGER NOT NULL,"
          + " o_orderstatus VARCHAR(1) NOT NULL, o_totalprice DECIMAL(15,2) NOT NULL,"
          + " o_orderdate DATE NOT NULL, o_orderpriority VARCHAR(15) NOT NULL,"
          + " o_clerk VARCHAR(15) NOT NULL, o_shippriority INTEGER NOT NULL,"
          + " o_comment VARCHAR(79) NOT NULL")
      .put("lineitem", "l_orderkey BIGINT NOT NULL, l_partkey INTEGER NOT NULL,"
          + " l_suppkey INTEGER NOT NULL, l_linenumber INTEGER NOT NULL,"
          + " l_quantity DECIMAL(15,2) NOT NULL, l_extendedprice DECIMAL(15,2) NOT NULL,"
          + " l_discount DECIMAL(15,2) NOT NULL, l_tax DECIMAL(15,2) NOT NULL,"
          + " l_returnflag VARCHAR(1) NOT NULL, l_linestatus VARCHAR(1) NOT NULL,"
          + " l_shipdate DATE NOT NULL, l_commitdate DATE NOT NULL,"
          + " l_receiptdate DATE NOT NULL, l_shipinstruct VARCHAR(25) NOT NULL,"
          + " l_shipmode VARCHAR(10) NOT NULL, l_comment VARCHAR(44) NOT NULL")
      .buildOrThrow();

  /** Primary keys, declared in PostgreSQL (DuckDB files keep them too, for metadata). */
  public static final ImmutableMap<String, List<String>> PRIMARY_KEYS =
      ImmutableMap.<String, List<String>>builder()
          .put("region", List.of("r_regionkey"))
          .put("nation", List.of("n_nationkey"))
          .put("supplier", List.of("s_suppkey"))
          .put("customer", List.of("c_custkey"))
          .put("part", List.of("p_partkey"))
          .put("partsupp", List.of("ps_partkey", "ps_suppkey"))
          .put("orders", List.of("o_orderkey"))
          .put("lineitem", List.of("l_orderkey", "l_linenumber"))
          .buildOrThrow();

  private TpchSchema() {
  }

  /** Returns {@code CREATE TABLE} for a table in a schema, with its primary key. */
  public static String createTable(String schema, String table) {
    String qualified = schema == null ? table : schema + "." + table;
    return "CREATE TABLE " + qualified + " (" + COLUMNS.get(table) + ", PRIMARY KEY ("
        + String.join(", ", PRIMARY_KEYS.get(table)) + "))";
  }

  /** Returns the approximate row count of a table at a scale factor (for progress). */
  public static long expectedRows(String table, double scale) {
    switch (table) {
    case "region":
      return 5;
    case "nation":
      return 25;
    case "supplier":
      return Math.round(10_000 * scale);
    case "customer":
      return Math.round(150_000 * scale);
    case "part":
      return Math.round(200_000 * scale);
    case "partsupp":
      return Math.round(800_000 * scale);
    case "orders":
      return Math.round(1_500_000 * scale);
    case "lineitem":
      return Math.round(6_000_000 * scale);
    default:
      throw new IllegalArgumentException("not a TPC-H table: " + table);
    }
  }
}
