package io.meridian.planner;

import io.meridian.planner.engine.DuckDbProcessingEngine;
import io.meridian.planner.engine.JvmEngine;
import io.meridian.planner.engine.ProcessingEngine;
import io.meridian.planner.engine.ProcessingEngines;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine registry and the {@code placement} property that forces one of its engines. */
class PlacementTest {
  @Test void theJvmComesFirstAndDuckDbIsFoundThroughTheServiceLoader() {
    assertThat(ProcessingEngines.all()).extracting(ProcessingEngine::name)
        .containsExactly("jvm", "duckdb", "backend");
    assertThat(ProcessingEngines.all().get(0)).isInstanceOf(JvmEngine.class);
    assertThat(ProcessingEngines.named("duckdb")).isInstanceOf(DuckDbProcessingEngine.class);
    assertThat(ProcessingEngines.named("spark")).isNull();
  }

  @Test void placementNamesAutoOrARegisteredEngine() {
    assertThat(Placement.parse(" AUTO ")).isEqualTo(Placement.AUTO);
    assertThat(Placement.AUTO.forced()).isNull();
    assertThat(Placement.parse("jvm")).isEqualTo(Placement.JVM);
    assertThat(Placement.parse("DuckDB").forced()).isInstanceOf(DuckDbProcessingEngine.class);
    assertThat(Placement.parse("duckdb").name()).isEqualTo("duckdb");
    assertThatThrownBy(() -> Placement.parse("spark"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown placement 'spark': expected auto, jvm, duckdb or backend");
  }
}
