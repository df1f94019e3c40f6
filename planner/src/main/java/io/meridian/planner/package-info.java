/**
 * The planner: the Calcite-based engine behind every connection. It parses, validates and plans
 * SQL over the catalogs of a {@link io.meridian.planner.CatalogRegistry}, pushing each subplan
 * into the backend that holds its data when it can.
 */
package io.meridian.planner;
