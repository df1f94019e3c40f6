/**
 * The storage layer's contract: a {@link io.meridian.adapter.StorageBackend} per configured
 * catalog, created by a {@link io.meridian.adapter.StorageBackendFactory} found through
 * {@link java.util.ServiceLoader}, plus the JDBC plumbing every JDBC-speaking backend shares.
 */
package io.meridian.adapter;
