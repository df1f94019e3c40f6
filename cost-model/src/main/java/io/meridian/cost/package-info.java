/**
 * The cost model: statistics, engine profiles and transfer costs. Pure estimation; nothing here
 * executes a query. Coefficients are data ({@code engine-coefficients.properties}), meant to be
 * refitted from the workload log.
 */
package io.meridian.cost;
