/**
 * The backend conformance suite: the same tests run against every JDBC backend (PostgreSQL,
 * DuckDB, ClickHouse) holding the same data, asserting both results and what runs where.
 */
package io.meridian.server.backends;
