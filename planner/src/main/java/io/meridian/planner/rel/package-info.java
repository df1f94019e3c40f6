/** Meridian's relational operators: where rows cross from one engine to another. */
package io.meridian.planner.rel;
