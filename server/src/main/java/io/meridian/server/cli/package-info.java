/** The {@code meridian} command line: serve, query, sql. */
package io.meridian.server.cli;
