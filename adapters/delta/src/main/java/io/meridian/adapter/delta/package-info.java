/** Delta Lake tables, through Delta Kernel, as a Meridian catalog. */
package io.meridian.adapter.delta;
