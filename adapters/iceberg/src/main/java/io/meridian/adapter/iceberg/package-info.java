/** Apache Iceberg tables as a Meridian catalog. */
package io.meridian.adapter.iceberg;
