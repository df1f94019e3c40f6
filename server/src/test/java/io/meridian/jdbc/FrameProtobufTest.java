package io.meridian.jdbc;

import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.proto.Common;
import org.apache.calcite.avatica.remote.ProtobufTranslationImpl;
import org.apache.calcite.avatica.remote.Service;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Date;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FrameProtobuf} against Avatica's own frame encoding: whatever one side writes, the
 * other reads exactly as Avatica would, for every kind of value a frame holds.
 */
class FrameProtobufTest {
  private static final Object[] VALUES = {
      null, (byte) -7, (short) 300, 42, -1, Integer.MIN_VALUE, 9_007_199_254_740_993L,
      Long.MIN_VALUE, 1.5f, -0.0d, Double.NaN, 1e300, new BigDecimal("12345678901234567890.0123"),
      new BigDecimal("-0.00"), "", "naïve text ✓", 'x', new byte[] {0, 1, -1, 127},
      new byte[0], true, false, new Date(-2_208_988_800_000L), new Time(3_600_000L),
      new Timestamp(1_700_000_000_123L), 19_000, 86_399_999L,
  };

  /** A frame as Meridian writes it, parsed back into protobuf's message. */
  private static Common.Frame meridian(Meta.Frame frame) throws Exception {
    return Common.Frame.parseFrom(FrameProtobuf.frame(frame));
  }

  private static Meta.Frame frame(boolean arrays) {
    List<Object> rows = new ArrayList<>();
    for (int i = 0; i < VALUES.length; i++) {
      Object[] row = {VALUES[i], VALUES[(i + 1) % VALUES.length], i};
      rows.add(i % 2 == 0 ? row : Arrays.asList(row));
    }
    if (arrays) {
      rows.add(new Object[] {List.of(1, 2, 3), "after an array"});
    }
    return Meta.Frame.create(8192, true, rows);
  }

  /** Rows as comparable lists (byte arrays by content). */
  private static List<List<Object>> rows(Meta.Frame frame) {
    List<List<Object>> rows = new ArrayList<>();
    for (Object row : frame.rows) {
      List<Object> values = new ArrayList<>();
      for (Object value : (Iterable<?>) row) {
        values.add(value instanceof byte[] ? Arrays.toString((byte[]) value) : value);
      }
      rows.add(values);
    }
    return rows;
  }

  /** Both frames absent, or the same offset, end and rows. */
  private static void assertSameFrames(Meta.Frame actual, Meta.Frame expected) {
    if (expected == null) {
      assertThat(actual).isNull();
      return;
    }
    assertThat(actual.offset).isEqualTo(expected.offset);
    assertThat(actual.done).isEqualTo(expected.done);
    assertThat(rows(actual)).isEqualTo(rows(expected));
  }

  @Test void avaticaReadsMeridianFramesAsItsOwn() throws Exception {
    for (boolean arrays : new boolean[] {false, true}) {
      Meta.Frame frame = frame(arrays);
      assertSameFrames(Meta.Frame.fromProto(meridian(frame)),
          Meta.Frame.fromProto(frame.toProto()));
    }
  }

  @Test void meridianReadsAvaticaFramesAsAvaticaDoes() throws Exception {
    for (boolean arrays : new boolean[] {false, true}) {
      Meta.Frame frame = frame(arrays);
      Common.Frame avatica = frame.toProto();
      assertSameFrames(FrameProtobuf.fromProto(avatica), Meta.Frame.fromProto(avatica));
      assertSameFrames(FrameProtobuf.fromProto(meridian(frame)),
          Meta.Frame.fromProto(avatica));
    }
  }

  @Test void eachValueIsWrittenOnce() throws Exception {
    Meta.Frame frame = frame(false);
    int ours = FrameProtobuf.frame(frame).length;
    int avatica = frame.toProto().getSerializedSize();
    assertThat((double) ours).isLessThan(0.6 * avatica);
  }

  @Test void responsesCrossBetweenTheTwoTranslations() throws Exception {
    Meta.Frame frame = frame(false);
    Service.RpcMetadataResponse metadata = new Service.RpcMetadataResponse("127.0.0.1:8765");
    Meta.Signature signature = Meta.Signature.create(List.of(), "SELECT 1", List.of(),
        Meta.CursorFactory.LIST, Meta.StatementType.SELECT);
    Service.Response[] responses = {
        new Service.FetchResponse(frame, false, false, metadata),
        new Service.FetchResponse(null, true, false, null),
        new Service.ExecuteResponse(List.of(
            new Service.ResultSetResponse("c-1", 7, true, signature, frame, -1, metadata),
            new Service.ResultSetResponse(null, 8, false, null, null, 3, null)), false, metadata),
    };
    FrameProtobuf meridian = new FrameProtobuf();
    ProtobufTranslationImpl avatica = new ProtobufTranslationImpl();
    for (Service.Response response : responses) {
      Service.Response viaAvatica = avatica.parseResponse(avatica.serializeResponse(response));
      for (Service.Response other : List.of(
          avatica.parseResponse(meridian.serializeResponse(response)),
          meridian.parseResponse(avatica.serializeResponse(response)),
          meridian.parseResponse(meridian.serializeResponse(response)))) {
        assertThat(other.getClass()).isEqualTo(viaAvatica.getClass());
        if (other instanceof Service.FetchResponse fetch) {
          Service.FetchResponse expected = (Service.FetchResponse) viaAvatica;
          assertThat(fetch.missingStatement).isEqualTo(expected.missingStatement);
          assertThat(fetch.rpcMetadata).isEqualTo(expected.rpcMetadata);
          assertSameFrames(fetch.frame, expected.frame);
        } else {
          Service.ExecuteResponse execute = (Service.ExecuteResponse) other;
          Service.ExecuteResponse expected = (Service.ExecuteResponse) viaAvatica;
          assertThat(execute.rpcMetadata).isEqualTo(expected.rpcMetadata);
          assertThat(execute.results).hasSameSizeAs(expected.results);
          for (int i = 0; i < expected.results.size(); i++) {
            Service.ResultSetResponse a = execute.results.get(i);
            Service.ResultSetResponse e = expected.results.get(i);
            assertThat(a.connectionId).isEqualTo(e.connectionId);
            assertThat(a.statementId).isEqualTo(e.statementId);
            assertThat(a.ownStatement).isEqualTo(e.ownStatement);
            assertThat(a.updateCount).isEqualTo(e.updateCount);
            assertThat(a.signature).isEqualTo(e.signature);
            assertThat(a.rpcMetadata).isEqualTo(e.rpcMetadata);
            assertSameFrames(a.firstFrame, e.firstFrame);
          }
        }
      }
    }
  }
}
