package io.meridian.cost;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineCoefficientsTest {
  @Test void builtInCoefficientsLoadWithVersion() {
    EngineCoefficients c = EngineCoefficients.builtIn();
    assertThat(c.version()).isNotEqualTo("unversioned");
    assertThat(c.get("transfer.jdbc.value")).isGreaterThan(c.get("transfer.arrow.value"));
  }

  @Test void overridesReplaceOnlyTheNamedKeys() {
    EngineCoefficients c = EngineCoefficients.builtIn()
        .withOverrides(Map.of("duckdb.row-cpu", 7.5));
    assertThat(c.get("duckdb.row-cpu")).isEqualTo(7.5);
    assertThat(c.get("postgres.row-cpu"))
        .isEqualTo(EngineCoefficients.builtIn().get("postgres.row-cpu"));
  }

  @Test void badValuesAreRejectedNamingTheKey() {
    Properties p = new Properties();
    p.setProperty("duckdb.row-cpu", "fast");
    assertThatThrownBy(() -> EngineCoefficients.fromProperties(p))
        .hasMessageContaining("duckdb.row-cpu");
    p.setProperty("duckdb.row-cpu", "-1");
    assertThatThrownBy(() -> EngineCoefficients.fromProperties(p))
        .hasMessageContaining("must be >= 0");
    assertThatThrownBy(() -> EngineCoefficients.builtIn().get("nope.row"))
        .hasMessageContaining("nope.row");
  }
}
