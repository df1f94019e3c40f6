/**
 * The front door: the Avatica JDBC server over the Meridian engine. No planning logic lives
 * here; see {@code io.meridian.planner}.
 */
package io.meridian.server;
