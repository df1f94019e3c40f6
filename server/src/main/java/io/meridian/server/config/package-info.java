/** Meridian's configuration file: parsing, {@code ${env:NAME}} substitution, validation. */
package io.meridian.server.config;
