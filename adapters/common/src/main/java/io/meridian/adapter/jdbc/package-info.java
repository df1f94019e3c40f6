/**
 * JDBC plumbing shared by every backend reached through a JDBC driver: the catalog schema, the
 * pooled data source that names its catalog when the backend is down, and credential hygiene.
 */
package io.meridian.adapter.jdbc;
