/**
 * DuckDB as a Meridian storage backend ({@code type: duckdb}): an embedded database file, served
 * through one in-process DuckDB instance whose connections are duplicates of a root connection.
 */
package io.meridian.adapter.duckdb;
