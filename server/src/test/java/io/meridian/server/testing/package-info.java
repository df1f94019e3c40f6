/** Test support shared by the server's tests and the benchmarks: fixtures and result oracles. */
package io.meridian.server.testing;
