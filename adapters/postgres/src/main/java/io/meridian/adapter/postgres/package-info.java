/** PostgreSQL as a Meridian storage backend ({@code type: postgres}). */
package io.meridian.adapter.postgres;
