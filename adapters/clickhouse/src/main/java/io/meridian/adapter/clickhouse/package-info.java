/** ClickHouse as a Meridian storage backend ({@code type: clickhouse}). */
package io.meridian.adapter.clickhouse;
