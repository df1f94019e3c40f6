package io.meridian.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How many rows a fetch reads, whatever the client asks for. */
class FrameSizeTest {
  @Test void framesAreNeitherTinyNorUnbounded() {
    assertThat(MeridianMeta.frameRows(100)).isEqualTo(MeridianMeta.MIN_FETCH_ROWS);
    assertThat(MeridianMeta.frameRows(20_000)).isEqualTo(20_000);
    // "All remaining rows" and absurd fetch sizes are held to one bounded frame at a time.
    assertThat(MeridianMeta.frameRows(-1)).isEqualTo(MeridianMeta.MAX_FRAME_ROWS);
    assertThat(MeridianMeta.frameRows(Integer.MAX_VALUE)).isEqualTo(MeridianMeta.MAX_FRAME_ROWS);
    assertThat(MeridianMeta.frameRows(0)).isZero();
  }
}
