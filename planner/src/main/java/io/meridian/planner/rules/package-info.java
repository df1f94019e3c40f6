/**
 * Meridian's planner rules. Each extends {@code RelRule} with an immutable {@code Config}, is
 * named after what it matches and what it does, and declines quietly when it does not apply.
 */
package io.meridian.planner.rules;
