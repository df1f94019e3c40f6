/**
 * The planner's estimates from backend statistics: distinct values of columns (from the
 * backends' catalogs) and the join sizes that follow from them.
 */
package io.meridian.planner.metadata;
